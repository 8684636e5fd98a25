"""The touch kiosk: customers take a ticket, it prints, they rate their visit."""
