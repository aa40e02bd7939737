"""chutian-mdm: master data for the four foundational databases (人口, 法人, 空间地理, 宏观经济)."""

__version__ = "0.1.0"
