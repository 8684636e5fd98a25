"""queue_kiosk"""
