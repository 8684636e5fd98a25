"""The hall: the now-serving board (`tabour hall`), the chime, and the serial displays."""
