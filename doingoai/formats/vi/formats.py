# Vietnamese administrative conventions: dd/mm/yyyy and "1.234.567".
DATE_FORMAT = "d/m/Y"
SHORT_DATE_FORMAT = "d/m/Y"
DATETIME_FORMAT = "H:i d/m/Y"
SHORT_DATETIME_FORMAT = "H:i d/m/Y"
DATE_INPUT_FORMATS = ["%d/%m/%Y", "%d-%m-%Y", "%Y-%m-%d"]
DATETIME_INPUT_FORMATS = ["%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S", "%Y-%m-%d %H:%M:%S"]
DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "."
NUMBER_GROUPING = 3
# No USE_THOUSAND_SEPARATOR here: Django reads it from the settings only. Numbers are grouped
# where the code asks for it (number_format(..., force_grouping=True), intcomma, floatformat "g").
FIRST_DAY_OF_WEEK = 1
