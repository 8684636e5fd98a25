"""printer"""
