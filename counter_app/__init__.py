"""counter_app"""
