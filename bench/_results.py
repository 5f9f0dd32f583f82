"""One helper the benchmark scripts share: replace (or append) their section of bench/RESULTS.md."""
import datetime, re
from pathlib import Path

def write_section(title:str, # the section's heading line ('## ...'), the key it is found by
                  lines:list, # the section's body
                 ) -> Path:
    "Replace the section headed `title` in bench/RESULTS.md with today's `lines` (appended when absent); returns the file"
    path = Path(__file__).with_name('RESULTS.md')
    section = f"{title} — {datetime.date.today()}\n\n" + '\n'.join(lines) + '\n'
    text = path.read_text()
    m = re.search(rf"^{re.escape(title)}.*?(?=^## |\Z)", text, flags=re.M | re.S)
    text = text[:m.start()] + section + ('\n' + text[m.end():] if text[m.end():] else '') if m else text.rstrip('\n') + '\n\n' + section
    path.write_text(text)
    return path
