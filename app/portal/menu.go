package portal

// menuGroup is one entry of the portal's top menu. The labels are the real portal's. The demo simulates the login only, so every entry leads to a
// section of the home page (Anchor) that says what the feature is on the real portal.
type menuGroup struct {
	Label  string
	Anchor string
	About  string
	Items  []menuItem
}

// menuItem is a sub-menu entry; Items nest one level further ("Thủ tục hành chính").
type menuItem struct {
	Label  string
	Anchor string
	About  string
	Items  []menuItem
}

var menu = []menuGroup{
	{Label: "Thông tin và dịch vụ", Anchor: "thong-tin-va-dich-vu",
		About: "Thông tin về thủ tục hành chính và dịch vụ công trực tuyến của các bộ, ngành, địa phương.",
		Items: []menuItem{
			{Label: "Thủ tục hành chính", Anchor: "thu-tuc-hanh-chinh",
				About: "Thông tin công khai về thủ tục hành chính: trình tự, hồ sơ, thời hạn, phí và lệ phí.",
				Items: []menuItem{
					{Label: "Tra cứu TTHC", Anchor: "tra-cuu-tthc", About: "Tìm thủ tục hành chính theo tên, lĩnh vực hoặc cơ quan thực hiện."},
					{Label: "Thủ tục hành chính", Anchor: "danh-muc-tthc", About: "Danh mục thủ tục hành chính đã được công bố."},
					{Label: "Tham vấn thủ tục hành chính", Anchor: "tham-van-tthc", About: "Lấy ý kiến người dân, doanh nghiệp về quy định thủ tục hành chính."},
					{Label: "Thủ tục hành chính liên thông", Anchor: "tthc-lien-thong", About: "Các nhóm thủ tục được giải quyết liên thông giữa nhiều cơ quan."},
					{Label: "Thống kê", Anchor: "thong-ke", About: "Số liệu thống kê về thủ tục hành chính."},
					{Label: "Cơ quan", Anchor: "co-quan", About: "Danh sách cơ quan giải quyết thủ tục hành chính."},
					{Label: "Quyết định công bố", Anchor: "quyet-dinh-cong-bo", About: "Các quyết định công bố thủ tục hành chính."},
				}},
			{Label: "Dịch vụ công trực tuyến", Anchor: "dich-vu-cong-truc-tuyen", About: "Nộp hồ sơ thủ tục hành chính trực tuyến."},
			{Label: "Dịch vụ công nổi bật", Anchor: "dich-vu-cong-noi-bat", About: "Các dịch vụ công được nhiều người sử dụng."},
			{Label: "Tra cứu hồ sơ", Anchor: "tra-cuu-ho-so", About: "Theo dõi tình trạng giải quyết hồ sơ đã nộp bằng mã hồ sơ."},
			{Label: "Câu hỏi thường gặp", Anchor: "cau-hoi-thuong-gap", About: "Giải đáp các câu hỏi thường gặp khi sử dụng Cổng."},
		}},
	{Label: "Thanh toán trực tuyến", Anchor: "thanh-toan-truc-tuyen",
		About: "Nộp phí, lệ phí và các nghĩa vụ tài chính khác khi giải quyết thủ tục hành chính."},
	{Label: "Phản ánh kiến nghị", Anchor: "phan-anh-kien-nghi",
		About: "Phản ánh, kiến nghị về quy định hành chính và việc giải quyết thủ tục hành chính.",
		Items: []menuItem{
			{Label: "Gửi PAKN", Anchor: "gui-pakn", About: "Gửi phản ánh, kiến nghị tới cơ quan có thẩm quyền."},
			{Label: "Tra cứu kết quả trả lời", Anchor: "tra-cuu-ket-qua-tra-loi", About: "Xem câu trả lời cho phản ánh, kiến nghị đã gửi."},
		}},
	{Label: "Hỗ trợ", Anchor: "ho-tro",
		About: "Giới thiệu, hướng dẫn và tin tức về Cổng Dịch vụ công Quốc gia.",
		Items: []menuItem{
			{Label: "Giới thiệu", Anchor: "gioi-thieu", About: "Giới thiệu về Cổng Dịch vụ công Quốc gia."},
			{Label: "Điều khoản sử dụng", Anchor: "dieu-khoan-su-dung", About: "Quy định về việc sử dụng Cổng."},
			{Label: "Hướng dẫn sử dụng", Anchor: "huong-dan-su-dung", About: "Hướng dẫn đăng ký, đăng nhập, nộp hồ sơ và thanh toán."},
			{Label: "Tin tức", Anchor: "tin-tuc", About: "Tin tức về cải cách thủ tục hành chính và hoạt động của Cổng."},
			{Label: "Video", Anchor: "video", About: "Video hướng dẫn và giới thiệu."},
			{Label: "Hình ảnh", Anchor: "hinh-anh", About: "Hình ảnh về hoạt động của Cổng."},
		}},
}
