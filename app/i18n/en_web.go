package i18n

// The English of what every actor shares: the layout, the error page, form checks in the
// browser, generic refusals.
func init() {
	add(map[string]string{
		"Lỗi":                  "Error",
		"Không tìm thấy trang": "Page not found",
		"Quá nhiều yêu cầu":    "Too many requests",
		"Yêu cầu không hợp lệ": "Invalid request",
		"Đã xảy ra lỗi":        "Something went wrong",
		"Về trang chủ":         "Back to the home page",

		"Hệ thống đang bận hoặc gặp sự cố. Vui lòng thử lại sau.":                  "The system is busy or has a problem. Please try again later.",
		"Không tìm thấy trang hoặc dữ liệu yêu cầu.":                               "The page or data you asked for was not found.",
		"Yêu cầu không hợp lệ hoặc đã hết hạn. Vui lòng tải lại trang và thử lại.": "The request is invalid or has expired. Please reload the page and try again.",
		"Hệ thống đang xử lý nhiều yêu cầu. Vui lòng thử lại sau ít giây.":         "The system is handling many requests. Please try again in a few seconds.",
		"Dữ liệu gửi lên không hợp lệ.":                                            "The data sent is invalid.",

		"Vui lòng chọn mục này.":            "Please select this item.",
		"Vui lòng chọn tệp.":                "Please choose a file.",
		"Vui lòng nhập thông tin này.":      "Please fill in this field.",
		"Giá trị chưa đúng định dạng.":      "The value is not in the expected format.",
		"Vui lòng nhập ít nhất %d ký tự.":   "Please enter at least %d characters.",
		"Vui lòng nhập không quá %d ký tự.": "Please enter no more than %d characters.",
		"Giá trị nhỏ nhất là %s.":           "The smallest value is %s.",
		"Giá trị lớn nhất là %s.":           "The largest value is %s.",
		"Giá trị chưa hợp lệ.":              "The value is not valid.",
	})
}
