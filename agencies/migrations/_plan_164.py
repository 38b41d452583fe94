"""The data of plan 164/KH-UBND, frozen for migration 0002.

Duty texts are the bullets of sections III and IV, word for word (typos included);
tests/agencies/test_plan_data.py checks them against agencies/data/164-KH-UBND.txt.
Each agency's role is "support" (phối hợp) where its bullet asks it to work with (phối
hợp với) others, "lead" (chủ trì) otherwise; "coordinating" names the agencies that a
bullet names by name (e.g. LHHN in III.3 to III.5, SNGV for the difficulties of IV.2).
"""

# fmt: off
AGENCIES = [
    # code, kind, full name, short name
    ('SNGV', 'focal_point', 'Sở Ngoại vụ tỉnh Bà Rịa - Vũng Tàu', 'Sở Ngoại vụ'),
    ('LHHN', 'lead', 'Liên hiệp các tổ chức hữu nghị tỉnh Bà Rịa - Vũng Tàu', 'Liên hiệp các tổ chức hữu nghị tỉnh'),
    ('SLDTBXH', 'department', 'Sở Lao động - Thương binh và Xã hội tỉnh Bà Rịa - Vũng Tàu', 'Sở Lao động - Thương binh và Xã hội'),
    ('SGDDT', 'department', 'Sở Giáo dục và Đào tạo tỉnh Bà Rịa - Vũng Tàu', 'Sở Giáo dục và Đào tạo'),
    ('SYT', 'department', 'Sở Y tế tỉnh Bà Rịa - Vũng Tàu', 'Sở Y tế'),
    ('UBMTTQ', 'mass_org', 'Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh Bà Rịa - Vũng Tàu', 'Ủy ban MTTQ Việt Nam tỉnh'),
    ('HLHPN', 'mass_org', 'Hội Liên hiệp Phụ nữ tỉnh Bà Rịa - Vũng Tàu', 'Hội Liên hiệp Phụ nữ tỉnh'),
    ('TINHDOAN', 'mass_org', 'Tỉnh đoàn Bà Rịa - Vũng Tàu (Đoàn TNCS Hồ Chí Minh tỉnh)', 'Tỉnh đoàn'),
    ('HND', 'mass_org', 'Hội Nông dân tỉnh Bà Rịa - Vũng Tàu', 'Hội Nông dân tỉnh'),
    ('HCCB', 'mass_org', 'Hội Cựu chiến binh tỉnh Bà Rịa - Vũng Tàu', 'Hội Cựu chiến binh tỉnh'),
    ('LDLD', 'mass_org', 'Liên đoàn Lao động tỉnh Bà Rịa - Vũng Tàu', 'Liên đoàn Lao động tỉnh'),
    ('VUNGTAU', 'district', 'Ủy ban nhân dân thành phố Vũng Tàu', 'UBND TP Vũng Tàu'),
    ('BARIA', 'district', 'Ủy ban nhân dân thành phố Bà Rịa', 'UBND TP Bà Rịa'),
    ('PHUMY', 'district', 'Ủy ban nhân dân thị xã Phú Mỹ', 'UBND TX Phú Mỹ'),
    ('LONGDIEN', 'district', 'Ủy ban nhân dân huyện Long Điền', 'UBND huyện Long Điền'),
    ('DATDO', 'district', 'Ủy ban nhân dân huyện Đất Đỏ', 'UBND huyện Đất Đỏ'),
    ('XUYENMOC', 'district', 'Ủy ban nhân dân huyện Xuyên Mộc', 'UBND huyện Xuyên Mộc'),
    ('CHAUDUC', 'district', 'Ủy ban nhân dân huyện Châu Đức', 'UBND huyện Châu Đức'),
    ('CONDAO', 'district', 'Ủy ban nhân dân huyện Côn Đảo', 'UBND huyện Côn Đảo'),
    ('UBNDTINH', 'province', 'Ủy ban nhân dân tỉnh Bà Rịa - Vũng Tàu', 'UBND tỉnh'),
]

PLAN = {
    "number": "164/KH-UBND",
    "issued_on": "2019-11-25",
    "issuer": "Ủy ban nhân dân tỉnh Bà Rịa - Vũng Tàu",
    "title": (
        "Kế hoạch thực hiện Đề án theo dõi, tổng hợp, phối hợp, trao đổi thông tin giữa các cơ "
        "quan liên quan trong công tác đối ngoại Nhân dân trên địa bàn tỉnh Bà Rịa - Vũng Tàu"
    ),
    "signer": "KT. Chủ tịch, Phó Chủ tịch Trần Văn Tuấn",
}

LEGAL_BASES = [
    # document type, number, issued on, issuer, title
    ('Chỉ thị', '04/CT-TW', '2011-07-06', 'Ban Bí thư', 'Về tiếp tục đổi mới và nâng cao hiệu quả công tác đối ngoại Nhân dân trong tình hình mới'),
    ('Quyết định', '1109/QĐ-TTg', '2019-08-28', 'Thủ tướng Chính phủ', 'Về việc phê duyệt đề án theo dõi, tổng hợp, phối hợp, trao đổi thông tin giữa các cơ quan liên quan trong công tác đối ngoại Nhân dân'),
    ('Quyết định', '281-QĐ/TU', '2016-10-17', 'Tỉnh ủy Bà Rịa - Vũng Tàu', 'Về việc ban hành Quy chế quản lý thống nhất các hoạt động đối ngoại của tỉnh Bà Rịa - Vũng Tàu'),
    ('Kế hoạch', '108/KH-UBND', '2017-10-09', 'Ủy ban nhân dân tỉnh Bà Rịa - Vũng Tàu', 'Về hoạt động đối ngoại giai đoạn 2017 - 2020 của tỉnh Bà Rịa - Vũng Tàu'),
]

DEPARTMENTS = ["SLDTBXH", "SGDDT", "SYT"]
MASS_ORGANISATIONS = ["UBMTTQ", "HLHPN", "TINHDOAN", "HND", "HCCB", "LDLD"]
DISTRICTS = ["VUNGTAU", "BARIA", "PHUMY", "LONGDIEN", "DATDO", "XUYENMOC", "CHAUDUC", "CONDAO"]

DUTIES = [
    {
        "ref": "III.1.1", "heading": "Sở Ngoại vụ", "role": "lead",
        "agencies": ["SNGV"], "coordinating": [],
        "recurrence": "ongoing", "activity_kinds": ["meeting", "other"],
        "text": (
            "Là cơ quan đầu mối tham mưu, giúp Ủy ban nhân dân tỉnh thực hiện nhiệm vụ theo "
            "dõi, tổng hợp, phối hợp chia sẻ thông tin trong công tác đối ngoại Nhân dân."
        ),
    },
    {
        "ref": "III.1.2", "heading": "Sở Ngoại vụ", "role": "support",
        "agencies": ["SNGV"], "coordinating": [],
        "recurrence": "ongoing", "activity_kinds": ["training", "meeting"],
        "text": (
            "Phối hợp với các cơ quan có liên quan hướng dẫn các đoàn thể và tổ chức Nhân dân "
            "thực hiện các quy định của pháp luật liên quan đến các hoạt động đối ngoại Nhân "
            "dân."
        ),
    },
    {
        "ref": "III.1.3", "heading": "Sở Ngoại vụ", "role": "lead",
        "agencies": ["SNGV"], "coordinating": [],
        "recurrence": "on_request", "activity_kinds": ["legal_comment"],
        "text": (
            "Nghiên cứu, phối hợp, góp ý kiến xây dựng cho các dự thảo hoặc các văn bản quy "
            "phạm pháp luật liên quan đến công tác đối ngoại Nhân dân để trình cấp có thẩm "
            "quyền xem xét, quyết định."
        ),
    },
    {
        "ref": "III.1.4", "heading": "Sở Ngoại vụ", "role": "lead",
        "agencies": ["SNGV"], "coordinating": [],
        "recurrence": "ongoing", "activity_kinds": ["training"],
        "text": (
            "Chủ trì, phối hợp với các cơ quan có liên quan tổ chức tập huấn, bồi dưỡng kiến "
            "thức, kỹ năng đối ngoại cho các tổ chức và cá nhân tham gia hoạt động đối ngoại "
            "Nhân dân của địa phương."
        ),
    },
    {
        "ref": "III.1.5", "heading": "Sở Ngoại vụ", "role": "lead",
        "agencies": ["SNGV"], "coordinating": [],
        "recurrence": "yearly", "activity_kinds": ["commendation"],
        "text": (
            "Tham mưu hình thức khen thưởng và đề xuất Ủy ban nhân dân tỉnh khen thưởng đối "
            "với các cơ quan, tổ chức, cá nhân có thành tích xuất sắc trong công tác đối "
            "ngoại Nhân dân của địa phương theo thẩm quyền."
        ),
    },
    {
        "ref": "III.1.6", "heading": "Sở Ngoại vụ", "role": "lead",
        "agencies": ["SNGV"], "coordinating": [],
        "recurrence": "six_monthly", "activity_kinds": [],
        "text": (
            "Định kỳ 6 tháng và cuối năm tổng hợp, báo cáo Ủy ban nhân dân tỉnh về công tác "
            "đối ngoại Nhân dân trên địa bàn tỉnh, kèm theo các nội dung trong báo cáo đối "
            "ngoại hàng năm của Sở."
        ),
    },
    {
        "ref": "III.2.1", "heading": "Liên hiệp các tổ chức hữu nghị tỉnh", "role": "lead",
        "agencies": ["LHHN"], "coordinating": [],
        "recurrence": "yearly", "activity_kinds": ["inbound", "outbound", "event", "exchange", "meeting"],
        "text": (
            "Xây dựng kế hoạch và thực hiện các hoạt động đối ngoại Nhân dân hàng năm trên "
            "địa bàn tỉnh."
        ),
    },
    {
        "ref": "III.2.2", "heading": "Liên hiệp các tổ chức hữu nghị tỉnh", "role": "lead",
        "agencies": ["LHHN"], "coordinating": [],
        "recurrence": "ongoing", "activity_kinds": ["meeting", "other"],
        "text": (
            "Xây dựng quy chế phối hợp giữa Liên hiệp các tổ chức hữu nghị tỉnh với các tổ "
            "chức Nhân dân trong hoạt động đối ngoại theo sự phân công thực hiện tại Kế hoạch "
            "108/KH-UBND ngày 09 tháng 10 năm 2017 của Ủy ban nhân dân tỉnh về hoạt động đối "
            "ngoại giai đoạn 2017 - 2020 của tỉnh Bà Rịa - Vũng Tàu."
        ),
    },
    {
        "ref": "III.2.3", "heading": "Liên hiệp các tổ chức hữu nghị tỉnh", "role": "support",
        "agencies": ["LHHN"], "coordinating": [],
        "recurrence": "yearly", "activity_kinds": ["event", "new_year_visit"],
        "text": (
            "Phối hợp với cơ quan có liên quan tổ chức các sự kiện chính trị - đối ngoại Nhân "
            "dân nhân trong các ngày lễ quan trọng của các nước và Việt Nam trên địa bàn "
            "tỉnh. Tổ chức đoàn đi chúc mừng năm mới đến Tổng Lãnh sự quán các nước tại thành "
            "phố Hồ Chí Minh, trong đó đặc biệt quan tâm đến các nước láng giềng anh em như "
            "Lào, Campuchia... các nước trong cộng đồng ASEAN và các nước mà tỉnh có Hội hữu "
            "nghị."
        ),
    },
    {
        "ref": "III.2.4", "heading": "Liên hiệp các tổ chức hữu nghị tỉnh", "role": "support",
        "agencies": ["LHHN"], "coordinating": [],
        "recurrence": "ongoing", "activity_kinds": ["outbound", "exchange"],
        "text": (
            "Phối hợp các đơn vị liên quan tổ chức các đoàn đi giao lưu hữu nghị với các địa "
            "phương nước bạn nhân dịp kỷ niệm các sự kiện quan trọng giữa Việt Nam với các "
            "nước."
        ),
    },
    {
        "ref": "III.2.5", "heading": "Liên hiệp các tổ chức hữu nghị tỉnh", "role": "lead",
        "agencies": ["LHHN"], "coordinating": [],
        "recurrence": "ongoing", "activity_kinds": ["inbound", "outbound", "event", "exchange"],
        "text": (
            "Tiếp tục đẩy mạnh các hoạt động hòa bình, đoàn kết, hữu nghị, hợp tác với các "
            "nước, đặc biệt với các nước có mối quan hệ truyền thống như: Cuba, Lào, "
            "Campuchia, Thái Lan, Nga, Hàn Quốc, Nhật Bản...; đồng thời không ngừng củng cố, "
            "phát triển tổ chức và nâng cao hiệu quả hoạt động của các hội hữu nghị thành "
            "viên trên địa bàn tỉnh."
        ),
    },
    {
        "ref": "III.2.6", "heading": "Liên hiệp các tổ chức hữu nghị tỉnh", "role": "lead",
        "agencies": ["LHHN"], "coordinating": [],
        "recurrence": "yearly", "activity_kinds": ["aid"],
        "text": (
            "Xây dựng kế hoạch và thực hiện công tác vận động viện trợ phi chính phủ nước "
            "ngoài cho các mục tiêu phát triển kinh tế xã hội trên cơ sở định hướng, kế hoạch "
            "xúc tiến vận động viện trợ phi chính phủ nước ngoài của tỉnh và các ngành, địa "
            "phương trong từng giai đoạn."
        ),
    },
    {
        "ref": "III.2.7", "heading": "Liên hiệp các tổ chức hữu nghị tỉnh", "role": "lead",
        "agencies": ["LHHN"], "coordinating": [],
        "recurrence": "yearly", "activity_kinds": [],
        "text": (
            "Tổng hợp, phối hợp và báo cáo cơ quan quản lý nhà nước về việc thực hiện công "
            "tác đối ngoại Nhân dân khi được yêu cầu và hàng năm theo quy định."
        ),
    },
    {
        "ref": "III.3.1", "heading": "Sở Lao động - Thương binh và Xã hội", "role": "support",
        "agencies": ["SLDTBXH"], "coordinating": ["LHHN"],
        "recurrence": "ongoing", "activity_kinds": ["aid"],
        "text": (
            "Phối hợp với Liên hiệp các tổ chức hữu nghị tỉnh và các cơ quan có liên quan "
            "thực hiện vận động kinh phí từ các tổ chức phi chính phủ nước ngoài cho các hoạt "
            "động liên quan lĩnh vực bảo trợ xã hội và thực hiện hiệu quả các chương trình/dự "
            "án được tài trợ."
        ),
    },
    {
        "ref": "III.3.2", "heading": "Sở Lao động - Thương binh và Xã hội", "role": "support",
        "agencies": ["SLDTBXH"], "coordinating": [],
        "recurrence": "ongoing", "activity_kinds": ["foreign_workers", "training"],
        "text": (
            "Phối hợp với các cơ quan có liên quan tăng cường công tác tuyên truyền, vận "
            "động, quản lý lao động nước ngoài làm việc trên địa bàn tỉnh, đảm bảo tuân thủ "
            "theo quy định của pháp luật."
        ),
    },
    {
        "ref": "III.4.1", "heading": "Sở Giáo dục và Đào tạo", "role": "support",
        "agencies": ["SGDDT"], "coordinating": ["LHHN"],
        "recurrence": "ongoing", "activity_kinds": ["aid"],
        "text": (
            "Phối hợp với Liên hiệp các tổ chức hữu nghị tỉnh và các cơ quan có liên quan "
            "thực hiện vận động kinh phí từ các tổ chức phi chính phủ nước ngoài cho các hoạt "
            "động liên quan lĩnh vực giáo dục và đào tạo và thực hiện hiệu quả các chương "
            "trình/dự án được tài trợ."
        ),
    },
    {
        "ref": "III.4.2", "heading": "Sở Giáo dục và Đào tạo", "role": "support",
        "agencies": ["SGDDT"], "coordinating": ["LHHN"],
        "recurrence": "ongoing", "activity_kinds": ["exchange"],
        "text": (
            "Phối hợp với Liên hiệp các tổ chức hữu nghị tỉnh và các cơ quan có liên quan tổ "
            "chức các chương trình giao lưu học tập và tìm hiểu văn hóa, giúp giáo viên và "
            "học sinh có cơ hội giao tiếp, hiểu biết và trải nghiệm về văn hóa và phong tục "
            "tập quán của các quốc gia khác thông qua các đoàn nước ngoài đến tỉnh để giao "
            "lưu văn hóa tại các trường học trên địa bàn tỉnh."
        ),
    },
    {
        "ref": "III.5.1", "heading": "Sở Y tế", "role": "support",
        "agencies": ["SYT"], "coordinating": ["LHHN"],
        "recurrence": "ongoing", "activity_kinds": ["aid"],
        "text": (
            "Phối hợp với Liên hiệp các tổ chức hữu nghị tỉnh và các cơ quan có liên quan "
            "thực hiện vận động kinh phí từ các tổ chức phi chính phủ nước ngoài cho các hoạt "
            "động liên quan lĩnh vực y tế và thực hiện hiệu quả các chương trình/dự án được "
            "tài trợ."
        ),
    },
    {
        "ref": "III.6.1", "heading": "Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh và các đoàn thể chính trị - xã hội", "role": "lead",
        "agencies": MASS_ORGANISATIONS, "coordinating": [],
        "recurrence": "yearly", "activity_kinds": ["promotion", "event", "exchange"],
        "text": (
            "Đề nghị Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh và các đoàn thể chính trị - xã hội "
            "tỉnh theo chức năng và nhiệm vụ xây dựng kế hoạch tổ chức các hoạt động tuyên "
            "truyền, quảng bá hình ảnh, con người, văn hóa tỉnh Bà Rịa - Vũng Tàu gắn với các "
            "hoạt động đối ngoại Nhân dân."
        ),
    },
    {
        "ref": "III.6.2", "heading": "Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh và các đoàn thể chính trị - xã hội", "role": "support",
        "agencies": MASS_ORGANISATIONS, "coordinating": [],
        "recurrence": "ongoing", "activity_kinds": ["aid"],
        "text": (
            "Phối hợp với chính quyền và các tổ chức thành viên vận động các tổ chức phi "
            "chính phủ nước ngoài và các doanh nghiệp có yếu tố nước ngoài đang hợp tác, đầu "
            "tư tại địa phương góp phần phát triển kinh tế - xã hội và hỗ trợ chương trình an "
            "sinh xã hội, bảo vệ môi trường."
        ),
    },
    {
        "ref": "III.7.1", "heading": "Ủy ban nhân dân các huyện, thị xã, thành phố", "role": "lead",
        "agencies": DISTRICTS, "coordinating": [],
        "recurrence": "yearly", "activity_kinds": ["training"],
        "text": (
            "Xây dựng kế hoạch, chương trình phổ biến kiến thức về chính sách của nhà nước, "
            "các quy định của pháp luật cho các tổ chức Nhân dân và cá nhân tham gia hoạt "
            "động đối ngoại Nhân dân thuộc phạm vi quản lý của địa phương mình."
        ),
    },
    {
        "ref": "III.7.2", "heading": "Ủy ban nhân dân các huyện, thị xã, thành phố", "role": "support",
        "agencies": DISTRICTS, "coordinating": [],
        "recurrence": "ongoing", "activity_kinds": ["meeting"],
        "text": (
            "Phối hợp với các Sở, Ban, Ngành trong công tác quản lý nhà nước về công tác đối "
            "ngoại Nhân dân."
        ),
    },
    {
        "ref": "III.7.3", "heading": "Ủy ban nhân dân các huyện, thị xã, thành phố", "role": "lead",
        "agencies": DISTRICTS, "coordinating": [],
        "recurrence": "ongoing", "activity_kinds": ["training", "meeting"],
        "text": (
            "Quản lý và hướng dẫn các đoàn thể và tổ chức nhân dân tại địa phương thực hiện "
            "các quy định của pháp luật trong quá trình triển khai tổ chức các hoạt động đối "
            "ngoại Nhân dân thuộc lĩnh vực quản lý của địa phương mình."
        ),
    },
    {
        "ref": "III.7.4", "heading": "Ủy ban nhân dân các huyện, thị xã, thành phố", "role": "lead",
        "agencies": DISTRICTS, "coordinating": [],
        "recurrence": "yearly", "activity_kinds": ["commendation"],
        "text": (
            "Đề xuất khen thưởng đối với các tổ chức, cá nhân có thành tích xuất sắc trong "
            "công tác đối ngoại Nhân dân theo quy định."
        ),
    },
    {
        "ref": "III.7.5", "heading": "Ủy ban nhân dân các huyện, thị xã, thành phố", "role": "lead",
        "agencies": DISTRICTS, "coordinating": [],
        "recurrence": "ongoing", "activity_kinds": [],
        "text": (
            "Thường xuyên theo dõi, tổng hợp, đánh giá kết quả thực hiện công tác quản lý nhà "
            "nước đối với hoạt động đối ngoại Nhân dân theo chức năng, nhiệm vụ được giao."
        ),
    },
    {
        "ref": "IV.1.1", "heading": "Các Sở, Ban, Ngành, Ủy ban nhân dân các huyện, thị xã, thành phố có liên quan", "role": "lead",
        "agencies": ["SNGV", "LHHN", *DEPARTMENTS, *DISTRICTS], "coordinating": [],
        "recurrence": "ongoing", "activity_kinds": [],
        "text": (
            "Căn cứ nhiệm vụ được giao tại Kế hoạch này khẩn trương xây dựng chương trình cụ "
            "thể để triển khai thực hiện các nội dung được phân công chủ trì tham mưu."
        ),
    },
    {
        "ref": "IV.1.2", "heading": "Các Sở, Ban, Ngành, Ủy ban nhân dân các huyện, thị xã, thành phố có liên quan", "role": "support",
        "agencies": ["SNGV", "LHHN", *DEPARTMENTS, *DISTRICTS], "coordinating": [],
        "recurrence": "ongoing", "activity_kinds": [],
        "text": (
            "Trong phạm vi chức năng, nhiệm vụ của mình, có trách nhiệm phối hợp với các cơ "
            "quan chủ trì nêu trên trong việc xây dựng chương trình cụ thể để triển khai thực "
            "hiện các nội dung được phân công tại Kế hoạch này."
        ),
    },
    {
        "ref": "IV.2.1", "heading": "Sở Ngoại vụ (cơ quan đầu mối)", "role": "lead",
        "agencies": ["SNGV"], "coordinating": [],
        "recurrence": "yearly", "activity_kinds": [],
        "text": (
            "Giao Sở Ngoại vụ thực hiện công tác đầu mối theo dõi, tổng hợp, phối hợp, trao "
            "đổi thông tin giữa các cơ quan liên quan trong công tác đối ngoại Nhân dân trên "
            "địa bàn tỉnh. Định kỳ hàng năm, đánh giá kết quả thực hiện, rút ra những bài học "
            "kinh nghiệm, đồng thời đề xuất điều chỉnh, bổ sung các nhiệm vụ, giải pháp phù "
            "hợp với tình hình thực tế nhằm tiếp tục triển khai thực hiện Kế hoạch đạt kết "
            "quả tốt hơn."
        ),
    },
    {
        "ref": "IV.2.2", "heading": "Sở Ngoại vụ (cơ quan đầu mối)", "role": "lead",
        "agencies": ["LHHN", *DEPARTMENTS], "coordinating": ["SNGV"],
        "recurrence": "ongoing", "activity_kinds": [],
        "text": (
            "Trong quá trình thực hiện, nếu có khó khăn, vướng mắc, các Sở, Ban, Ngành có "
            "liên quan kịp thời phản ánh về Sở Ngoại vụ để tổng hợp và trình Ủy ban nhân dân "
            "tỉnh xem xét, giải quyết./."
        ),
    },
]
# fmt: on
