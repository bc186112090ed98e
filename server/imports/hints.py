"""What a spreadsheet does to values on their way to a CSV (a date as it shows it, an ID or phone as a number, a
letter outside the file's character set), recognised so that a refused row says what happened and what to do.
Only looked at once a value is refused, or (the "?" of a lost letter, the day a typed year becomes) with a test
that costs a comparison on the rows that pass.
"""
import re
from datetime import date

# A date as a spreadsheet shows it, which is how it saves a date cell to CSV: day first under Vietnamese regional
# settings (20/07/1958), month first and a two-digit year under LibreOffice's default (07/20/58). Not read as one
# (CONTRACT §4: YYYY-MM-DD; 05/07 is 7 May or 5 July, 58 is 1958 or 2058), but the reason says what to do.
SHOWN_DATE = re.compile(r"[0-9]{1,2}[/.-][0-9]{1,2}[/.-](?:[0-9]{4}|[0-9]{2})")
WITH_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?")
SERIAL = re.compile(r"[0-9]{5}(?:\.0)?")  # a date cell's serial number (21386 = 1958-07-20) once its format is lost
DATE_HINTS = (
    (SHOWN_DATE, "; it is written as a spreadsheet shows dates (day and month first, or a two-digit year): "
                  "upload the .xlsx with the column as dates, or format the column as YYYY-MM-DD before saving as CSV"),
    (WITH_TIME, "; it holds a time of day besides the date: format the column as a date without the time (a time "
                 "exported from another system may have moved the date: check it)"),
    (SERIAL, "; it looks like a spreadsheet's date number: format the column as a date (YYYY-MM-DD)"),
)
# A year typed into a cell formatted as a date is kept as day number 1900-2100 of the spreadsheet's calendar: a day
# between these two (1958 shows as 11/05/1905). Nobody on a roster was born then, and the party was founded in 1930.
YEAR_AS_DAY_START, YEAR_AS_DAY_END = date(1905, 3, 14), date(1905, 9, 30)
# An ID that went through a spreadsheet as a number: saved to CSV, it lost its leading 0 (every province code starts
# with one) or most of its digits (3.8058E+10). Lost for good in the CSV; the workbook still holds every digit.
ID_AS_NUMBER = re.compile(r"[1-9][0-9]{9,10}|[0-9.,]+[eE]\+?[0-9]+|[0-9]{11,12}[.,]0+")
AS_NUMBER = ("; the spreadsheet stored it as a number and the CSV lost digits: upload the .xlsx itself, or format "
              "the column as Text (or with the number format {zeros}) before saving as CSV")
# The letter a file saved in a character set without Vietnamese letters (Windows-1252, LibreOffice's default on
# Western systems) puts where such a letter was. Never part of a name or an address: refused, not stored as "Ph?m".
LOST_LETTERS = frozenset({"full_name", "hometown", "permanent_address", "ethnicity", "religion", "name"})
LOST_LETTER = re.compile(r"\w\?|\?\w")  # inside a word: a "?" typed for "not known" stays a value
LOST_LETTER_REASON = ("contains \"?\" where a letter should be: the file was saved in a character set without "
                       "Vietnamese letters; save it again as CSV UTF-8 (Excel: \"CSV UTF-8 (Comma delimited)\"; "
                       "LibreOffice: character set \"Unicode (UTF-8)\")")
PHONE_AS_NUMBER = ("had lost its leading 0 (the spreadsheet stored it as a number); stored with the 0 put back. "
                    "Next time upload the .xlsx itself, or format the column as Text (or with the number format "
                    "0000000000) before saving as CSV")
