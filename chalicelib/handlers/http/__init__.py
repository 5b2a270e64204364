"""handlers/http"""
