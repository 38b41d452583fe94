"""The short form of each duty of plan 164/KH-UBND (Duty.summary), for the tables that list
duties (the monitoring page of plan implementation, the report's duty table).

Set only where a duty's summary is blank, so a short form an administrator wrote is kept.
The same summaries are in agencies/data/plans/164-KH-UBND.json, the export of the seeded plan.
Going back leaves them: they are text an administrator could have written.
"""

from django.db import migrations

PLAN_NUMBER = "164/KH-UBND"

# fmt: off
SUMMARIES = {
    "III.1.1": "Đầu mối theo dõi, tổng hợp, chia sẻ thông tin đối ngoại Nhân dân",
    "III.1.2": "Hướng dẫn đoàn thể, tổ chức Nhân dân thực hiện quy định về đối ngoại Nhân dân",
    "III.1.3": "Góp ý dự thảo văn bản quy phạm pháp luật về đối ngoại Nhân dân",
    "III.1.4": "Tập huấn, bồi dưỡng kiến thức, kỹ năng đối ngoại Nhân dân",
    "III.1.5": "Tham mưu khen thưởng tập thể, cá nhân có thành tích đối ngoại Nhân dân",
    "III.1.6": "Báo cáo UBND tỉnh 6 tháng và cuối năm về đối ngoại Nhân dân",
    "III.2.1": "Lập và thực hiện kế hoạch đối ngoại Nhân dân hàng năm",
    "III.2.2": "Lập quy chế phối hợp với các tổ chức Nhân dân trong hoạt động đối ngoại",
    "III.2.3": "Sự kiện ngày lễ các nước; đoàn chúc mừng năm mới các Tổng Lãnh sự quán",
    "III.2.4": "Đoàn giao lưu hữu nghị với địa phương nước bạn dịp kỷ niệm sự kiện quan trọng",
    "III.2.5": "Hữu nghị với các nước truyền thống; củng cố các hội hữu nghị thành viên",
    "III.2.6": "Lập kế hoạch và vận động viện trợ phi chính phủ nước ngoài",
    "III.2.7": "Tổng hợp, báo cáo công tác đối ngoại Nhân dân hàng năm và khi được yêu cầu",
    "III.3.1": "Vận động viện trợ phi chính phủ nước ngoài cho bảo trợ xã hội",
    "III.3.2": "Tuyên truyền, quản lý lao động nước ngoài làm việc trên địa bàn tỉnh",
    "III.4.1": "Vận động viện trợ phi chính phủ nước ngoài cho giáo dục và đào tạo",
    "III.4.2": "Giao lưu văn hóa của giáo viên, học sinh với các đoàn nước ngoài",
    "III.5.1": "Vận động viện trợ phi chính phủ nước ngoài cho y tế",
    "III.6.1": "Tuyên truyền, quảng bá hình ảnh, con người, văn hóa tỉnh gắn với đối ngoại",
    "III.6.2": "Vận động tổ chức phi chính phủ, doanh nghiệp nước ngoài hỗ trợ an sinh, môi trường",
    "III.7.1": "Phổ biến chính sách, pháp luật về đối ngoại Nhân dân cho tổ chức, cá nhân",
    "III.7.2": "Phối hợp các Sở, Ban, Ngành quản lý nhà nước về đối ngoại Nhân dân",
    "III.7.3": "Quản lý, hướng dẫn đoàn thể, tổ chức Nhân dân địa phương theo quy định",
    "III.7.4": "Đề xuất khen thưởng tổ chức, cá nhân có thành tích đối ngoại Nhân dân",
    "III.7.5": "Theo dõi, tổng hợp, đánh giá quản lý nhà nước về đối ngoại Nhân dân",
    "IV.1.1": "Lập chương trình cụ thể triển khai các nội dung được giao chủ trì",
    "IV.1.2": "Phối hợp lập chương trình cụ thể triển khai Kế hoạch",
    "IV.2.1": "Đầu mối theo dõi; đánh giá kết quả hàng năm, đề xuất điều chỉnh Kế hoạch",
    "IV.2.2": "Phản ánh khó khăn, vướng mắc về Sở Ngoại vụ để tổng hợp, trình UBND tỉnh",
}
# fmt: on


def set_summaries(apps, schema_editor=None) -> None:
    """Each blank summary of plan 164's duties set from SUMMARIES (tests that reload the
    plan's data call this after 0007's complete_plan_164)."""
    Duty = apps.get_model("agencies", "Duty")
    for ref, summary in SUMMARIES.items():
        Duty.objects.filter(plan__number=PLAN_NUMBER, ref=ref, summary="").update(summary=summary)


class Migration(migrations.Migration):
    dependencies = [("agencies", "0009_remove_user_email_notifications")]

    operations = [migrations.RunPython(set_summaries, migrations.RunPython.noop)]
