"""branch/migrations"""
