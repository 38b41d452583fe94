"""Seeds the calendar with the days of the plan's traditional partners (Kế hoạch 164/KH-UBND,
mục III.2.5: Cuba, Lào, Campuchia, Thái Lan, Nga, Hàn Quốc, Nhật Bản), Vietnam's National
Day, the anniversaries of diplomatic relations with those partners, and the New-Year visits to
the consulates general in Hồ Chí Minh City that mục III.2.3 asks for. Each row says where its
date comes from; administrators edit them afterwards in the admin."""

from datetime import date

from django.db import migrations

PLAN_VISITS = "Kế hoạch 164/KH-UBND, mục III.2.3 (đoàn đi chúc mừng năm mới đến Tổng Lãnh sự quán các nước tại TP. Hồ Chí Minh)"

# (title, country, kind, (month, day) or a date, since_year, source, notes)
SEED = [
    ("Quốc khánh nước Cộng hòa Cuba (Ngày Chiến thắng của Cách mạng)", "CU", "national_day", (1, 1), 1959,
     "Ngày Chiến thắng của Cách mạng Cuba, 01/01/1959", ""),
    ("Quốc khánh nước CHDCND Lào", "LA", "national_day", (12, 2), 1975,
     "Ngày thành lập nước Cộng hòa Dân chủ Nhân dân Lào, 02/12/1975", ""),
    ("Quốc khánh Vương quốc Campuchia (Ngày Độc lập)", "KH", "national_day", (11, 9), 1953,
     "Ngày Campuchia giành độc lập từ Pháp, 09/11/1953", ""),
    ("Quốc khánh Vương quốc Thái Lan", "TH", "national_day", (12, 5), None,
     "Ngày sinh cố Quốc vương Bhumibol Adulyadej (05/12/1927), được giữ làm Ngày Quốc khánh Thái Lan",
     "Không đánh số lần thứ: ngày lễ không kỷ niệm một sự kiện có năm bắt đầu rõ ràng."),
    ("Ngày nước Nga (Quốc khánh Liên bang Nga)", "RU", "national_day", (6, 12), 1990,
     "Tuyên bố chủ quyền quốc gia của Nước Cộng hòa Xã hội chủ nghĩa Liên bang Nga, 12/06/1990", ""),
    ("Quốc khánh Đại Hàn Dân quốc (Ngày Lập quốc)", "KR", "national_day", (10, 3), None,
     "Ngày Lập quốc (Gaecheonjeol) của Hàn Quốc, 03/10 hằng năm",
     "Không đánh số lần thứ: ngày lễ kỷ niệm truyền thuyết lập quốc, không phải một năm lịch sử."),
    ("Quốc khánh Nhật Bản (Ngày sinh Nhật hoàng)", "JP", "national_day", (2, 23), None,
     "Ngày sinh Nhật hoàng Naruhito (23/02/1960), Ngày Quốc khánh của Nhật Bản từ năm 2020",
     "Ngày Quốc khánh Nhật Bản đổi theo ngày sinh của Nhật hoàng đương nhiệm; cần sửa khi có Nhật hoàng mới."),
    ("Quốc khánh nước Cộng hòa xã hội chủ nghĩa Việt Nam", "", "vietnam", (9, 2), 1945,
     "Chủ tịch Hồ Chí Minh đọc Tuyên ngôn Độc lập, 02/09/1945", ""),
    ("Kỷ niệm Ngày thiết lập quan hệ ngoại giao Việt Nam – Lào", "LA", "relations", (9, 5), 1962,  # noqa: RUF001
     "Việt Nam và Lào thiết lập quan hệ ngoại giao ngày 05/09/1962", ""),
    ("Kỷ niệm Ngày thiết lập quan hệ ngoại giao Việt Nam – Cuba", "CU", "relations", (12, 2), 1960,  # noqa: RUF001
     "Việt Nam và Cuba thiết lập quan hệ ngoại giao ngày 02/12/1960", ""),
    ("Kỷ niệm Ngày thiết lập quan hệ ngoại giao Việt Nam – Campuchia", "KH", "relations", (6, 24), 1967,  # noqa: RUF001
     "Việt Nam và Campuchia thiết lập quan hệ ngoại giao ngày 24/06/1967", ""),
    ("Kỷ niệm Ngày thiết lập quan hệ ngoại giao Việt Nam – Thái Lan", "TH", "relations", (8, 6), 1976,  # noqa: RUF001
     "Việt Nam và Thái Lan thiết lập quan hệ ngoại giao ngày 06/08/1976", ""),
    ("Kỷ niệm Ngày thiết lập quan hệ ngoại giao Việt Nam – Liên bang Nga", "RU", "relations", (1, 30), 1950,  # noqa: RUF001
     "Việt Nam và Liên Xô thiết lập quan hệ ngoại giao ngày 30/01/1950; Liên bang Nga kế tục", ""),
    ("Kỷ niệm Ngày thiết lập quan hệ ngoại giao Việt Nam – Hàn Quốc", "KR", "relations", (12, 22), 1992,  # noqa: RUF001
     "Việt Nam và Hàn Quốc thiết lập quan hệ ngoại giao ngày 22/12/1992", ""),
    ("Kỷ niệm Ngày thiết lập quan hệ ngoại giao Việt Nam – Nhật Bản", "JP", "relations", (9, 21), 1973,  # noqa: RUF001
     "Việt Nam và Nhật Bản thiết lập quan hệ ngoại giao ngày 21/09/1973", ""),
    ("Tết Nguyên đán Bính Ngọ: chúc mừng năm mới các Tổng Lãnh sự quán tại TP. Hồ Chí Minh", "",
     "new_year_visit", date(2026, 2, 17), None,
     PLAN_VISITS + "; mùng 1 Tết Bính Ngọ theo âm lịch Việt Nam là 17/02/2026", ""),
    ("Tết Nguyên đán Đinh Mùi: chúc mừng năm mới các Tổng Lãnh sự quán tại TP. Hồ Chí Minh", "",
     "new_year_visit", date(2027, 2, 6), None,
     PLAN_VISITS + "; mùng 1 Tết Đinh Mùi theo âm lịch Việt Nam là 06/02/2027", ""),
    ("Tết cổ truyền Bunpimay của Lào: chúc mừng Tổng Lãnh sự quán Lào tại TP. Hồ Chí Minh", "LA",
     "new_year_visit", (4, 14), None,
     PLAN_VISITS + "; Tết Bunpimay thường từ 14 đến 16/4",
     "Ngày có thể xê dịch theo lịch của Lào: kiểm tra lại mỗi năm."),
    ("Tết cổ truyền Chol Chnam Thmey của Campuchia: chúc mừng Tổng Lãnh sự quán Campuchia tại TP. Hồ Chí Minh", "KH",
     "new_year_visit", (4, 14), None,
     PLAN_VISITS + "; Tết Chol Chnam Thmey thường từ 14 đến 16/4 (có năm từ 13/4)",
     "Ngày bắt đầu tùy năm theo lịch Campuchia (13 hoặc 14/4): kiểm tra lại mỗi năm."),
    ("Tết cổ truyền Songkran của Thái Lan: chúc mừng Tổng Lãnh sự quán Thái Lan tại TP. Hồ Chí Minh", "TH",
     "new_year_visit", (4, 13), None,
     PLAN_VISITS + "; Tết Songkran từ 13 đến 15/4", ""),
]  # fmt: skip


def seed(apps, schema_editor):
    Observance = apps.get_model("monitoring", "Observance")
    for title, country, kind, when, since_year, source, notes in SEED:
        yearly = isinstance(when, tuple)
        Observance.objects.create(
            title=title,
            country=country,
            kind=kind,
            month=when[0] if yearly else None,
            day=when[1] if yearly else None,
            on_date=None if yearly else when,
            since_year=since_year,
            source=source,
            notes=notes,
        )


def unseed(apps, schema_editor):
    Observance = apps.get_model("monitoring", "Observance")
    Observance.objects.filter(title__in=[row[0] for row in SEED]).delete()


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
