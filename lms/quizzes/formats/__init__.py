"""Question file formats (YAML, GIFT, Moodle XML): parse into ParsedQuestion, write back out."""
