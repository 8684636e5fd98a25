"""branch"""
