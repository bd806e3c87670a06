// SPDX-License-Identifier: GPL-2.0
//
// The JSON writer every mapdrv tool uses: it places the commas and quotes,
// the caller says what goes where.
//   mapdrv::json_writer j;
//   j.begin_object().key("ops").integer(42).key("name").str("x").end_object();
//   std::puts(j.text().c_str());
#pragma once

#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "text.hpp"

namespace mapdrv {

class json_writer {
public:
	json_writer &begin_object() { return open('{'); }
	json_writer &end_object() { return close('}'); }
	json_writer &begin_array() { return open('['); }
	json_writer &end_array() { return close(']'); }
	json_writer &key(std::string_view k)
	{
		value_prefix();
		out_ += json_string(k);
		out_ += ':';
		after_key_ = true;
		return *this;
	}
	json_writer &str(std::string_view v) { return raw(json_string(v)); }
	// Not finite (NaN, infinity): null, which JSON can carry.
	json_writer &number(double v) { return raw(std::isfinite(v) ? fmt("%.6g", v) : "null"); }
	json_writer &integer(std::uint64_t v) { return raw(std::to_string(v)); }
	json_writer &signed_integer(std::int64_t v) { return raw(std::to_string(v)); }
	json_writer &boolean(bool v) { return raw(v ? "true" : "false"); }
	json_writer &null() { return raw("null"); }
	// A value already in JSON form.
	json_writer &raw(std::string_view json)
	{
		value_prefix();
		out_ += json;
		return *this;
	}

	[[nodiscard]] const std::string &text() const { return out_; }

private:
	json_writer &open(char c)
	{
		value_prefix();
		out_ += c;
		first_.push_back(true);
		return *this;
	}
	json_writer &close(char c)
	{
		out_ += c;
		first_.pop_back();
		return *this;
	}
	void value_prefix()
	{
		if (after_key_) {
			after_key_ = false;
			return;
		}
		if (!first_.empty()) {
			if (!first_.back())
				out_ += ',';
			first_.back() = false;
		}
	}
	std::string out_;
	std::vector<bool> first_;
	bool after_key_ = false;
};

} // namespace mapdrv
