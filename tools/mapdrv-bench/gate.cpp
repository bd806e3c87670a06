// SPDX-License-Identifier: GPL-2.0
//
// mapdrv-bench --gate: this run's costs per page against a committed
// baseline (docs/bench-baseline.json), and the file such a baseline is made
// from (gate.json in --out). The file is flat: a description of the run and
// one "subject figure": cost pair a line, which this reader expects and
// nothing more.
#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <mapdrv/text.hpp>

#include "gate.hpp"

namespace mapdrv::bench {
namespace {

class flat_reader {
public:
	explicit flat_reader(std::string text, std::string file)
		: text_(std::move(text)), file_(std::move(file))
	{
	}

	/* Move past "key": and what follows it; false if there is no such key. */
	bool seek(const std::string &key)
	{
		const std::size_t at = text_.find(json_string(key));
		if (at == std::string::npos)
			return false;
		pos_ = at + json_string(key).size();
		expect(':');
		return true;
	}
	void expect(char c)
	{
		skip_space();
		if (pos_ >= text_.size() || text_[pos_] != c)
			fail(std::string("expected '") + c + "'");
		++pos_;
	}
	bool next_is(char c)
	{
		skip_space();
		return pos_ < text_.size() && text_[pos_] == c;
	}
	std::string string()
	{
		expect('"');
		std::string out;
		while (pos_ < text_.size() && text_[pos_] != '"') {
			char c = text_[pos_++];
			if (c == '\\' && pos_ < text_.size()) {
				c = text_[pos_++];
				c = c == 'n' ? '\n' : c == 't' ? '\t' : c;
			}
			out += c;
		}
		expect('"');
		return out;
	}
	double number()
	{
		skip_space();
		const char *start = text_.c_str() + pos_;
		char *end = nullptr;
		const double v = std::strtod(start, &end);
		if (end == start)
			fail("expected a number");
		pos_ += static_cast<std::size_t>(end - start);
		return v;
	}
	[[noreturn]] void fail(const std::string &what) const
	{
		throw std::runtime_error(fmt("%s: not a mapdrv-bench gate file: %s at byte %zu",
					     file_.c_str(), what.c_str(), pos_));
	}

private:
	void skip_space()
	{
		while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_])))
			++pos_;
	}
	std::string text_, file_;
	std::size_t pos_ = 0;
};

} // namespace

std::string render_gate_file(const results &r, double tolerance)
{
	std::string out = "{\n";
	out += "\"tool\": " + json_string(prog) + ",\n";
	out += "\"config\": " + json_string(r.config()) + ",\n";
	out += "\"unit\": " + json_string(std::string(r.unit()) + " per page") + ",\n";
	out += fmt("\"tolerance\": %g,\n", tolerance);
	out += "\"figures\": {\n";
	const auto figures = gate_figures(r);
	for (std::size_t i = 0; i < figures.size(); ++i)
		out += fmt("  %s: %.1f%s\n", json_string(figures[i].first).c_str(),
			   figures[i].second, i + 1 < figures.size() ? "," : "");
	out += "}\n}\n";
	return out;
}

void check_gate(results &r, const std::string &file, double tolerance)
{
	std::ifstream in(file);
	if (!in)
		throw std::runtime_error("--gate " + file + ": cannot read it");
	std::ostringstream text;
	text << in.rdbuf();
	flat_reader rd(text.str(), file);

	gate_results &g = r.gate;
	g.ran = true;
	g.baseline_file = file;
	if (!rd.seek("config"))
		rd.fail("no \"config\"");
	g.baseline_config = rd.string();
	if (!rd.seek("figures"))
		rd.fail("no \"figures\"");
	rd.expect('{');
	const auto now = gate_figures(r);
	while (!rd.next_is('}')) {
		gate_check c;
		c.figure = rd.string();
		rd.expect(':');
		c.baseline = rd.number();
		if (rd.next_is(','))
			rd.expect(',');
		const auto it = std::find_if(now.begin(), now.end(),
					     [&c](const auto &f) { return f.first == c.figure; });
		if (it == now.end()) {
			g.missing.push_back(c.figure);
			continue;
		}
		c.now = it->second;
		c.regressed = c.now > c.baseline * (1 + tolerance);
		g.checks.push_back(std::move(c));
	}
	/*
	 * Another kernel build or QEMU changes the counts a little, a driver
	 * change is what the gate is for: compare anyway, and say so.
	 */
	g.config_differs = g.baseline_config != r.config();
}

} // namespace mapdrv::bench
