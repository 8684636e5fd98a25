"""sync/sandbox"""
