// SPDX-License-Identifier: GPL-2.0
/*
 * mapdrv::svg_bars - a hand-written SVG chart of horizontal grouped bars,
 * for reports a person looks at rather than reads. No dependencies.
 *
 *	mapdrv::svg_bars chart("title", "subtitle");
 *	mapdrv::svg_bars::panel &p = chart.add_panel("ns per page", {"touch", "populate"});
 *	p.rows.push_back({"fault", false, {{true, 900, 880, 950, "900 ns"}, ...}});
 *	p.refs.push_back({900, "fault"});
 *	std::string svg = chart.render();
 *
 * Each panel has its own linear scale from 0 to its largest value (or
 * reference line). A bar may carry a whisker (lo..hi, e.g. min..max) and a
 * label drawn right of it; rows marked baseline get a grey band.
 */
#ifndef MAPDRV_TOOLS_SVG_BARS_HPP
#define MAPDRV_TOOLS_SVG_BARS_HPP

#include <algorithm>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

namespace mapdrv {

class svg_bars {
public:
	struct bar {
		bool valid = false;	/* false: no bar, the label alone ("unsupported") */
		double value = 0;
		double lo = 0;		/* whisker; lo == hi == value: none */
		double hi = 0;
		std::string label;
	};
	struct row {
		std::string label;
		bool baseline = false;
		std::vector<bar> bars;	/* one per series, in legend order */
	};
	struct ref_line {
		double value;
		std::string label;
	};
	struct panel {
		std::string title;
		std::vector<std::string> series;	/* legend; one colour each */
		std::vector<row> rows;
		std::vector<ref_line> refs;
		std::string note;			/* under the panel; '\n' breaks lines */
	};

	svg_bars(std::string title, std::vector<std::string> subtitle)
		: title_(std::move(title)), subtitle_(std::move(subtitle))
	{
	}

	panel &add_panel(std::string title, std::vector<std::string> series)
	{
		panels_.push_back(panel{std::move(title), std::move(series), {}, {}, {}});
		return panels_.back();
	}

	/* Lines under the panels; one that starts with '!' is drawn in bold red. */
	void set_footer(std::vector<std::string> lines) { footer_ = std::move(lines); }

	/* A line under the subtitle, in bold red. */
	void set_warning(std::string line) { warning_ = std::move(line); }

	[[nodiscard]] std::string render() const
	{
		std::string body;
		double y = margin;
		text(body, margin, y + 20, title_, "title");
		y += 28;
		for (const std::string &line : subtitle_) {
			text(body, margin, y + 15, line, "sub");
			y += 19;
		}
		if (!warning_.empty()) {
			text(body, margin, y + 15, warning_, "warn");
			y += 19;
		}
		y += 10;
		for (const panel &p : panels_)
			y = render_panel(body, p, y) + panel_gap;
		for (const std::string &line : footer_) {
			if (!line.empty() && line.front() == '!')
				text(body, margin, y + 13, line.substr(1), "footwarn");
			else
				text(body, margin, y + 13, line, "foot");
			y += 18;
		}
		y += margin;

		std::string svg;
		svg += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
		svg += fmt("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%.0f\" "
			   "viewBox=\"0 0 %d %.0f\" font-family=\"DejaVu Sans, Verdana, Arial, "
			   "sans-serif\">\n",
			   width, y, width, y);
		svg += "<style>\n"
		       ".title{font-size:18px;font-weight:bold;fill:#111}\n"
		       ".sub{font-size:13px;fill:#333}\n"
		       ".warn{font-size:13px;font-weight:bold;fill:#b00020}\n"
		       ".ptitle{font-size:15px;font-weight:bold;fill:#111}\n"
		       ".rlabel{font-size:12.5px;fill:#111}\n"
		       /* a white halo keeps labels legible over gridlines and reference lines */
		       ".blabel{font-size:11.5px;fill:#222;stroke:#fff;stroke-width:3px;"
		       "stroke-linejoin:round;paint-order:stroke}\n"
		       ".legend{font-size:12px;fill:#222}\n"
		       ".axis{font-size:10.5px;fill:#555}\n"
		       ".ref{font-size:11px;fill:#555}\n"
		       ".note{font-size:11.5px;fill:#444;font-style:italic}\n"
		       ".footwarn{font-size:12px;font-weight:bold;fill:#b00020}\n"
		       ".foot{font-size:12px;fill:#333}\n"
		       "</style>\n";
		svg += fmt("<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%.0f\" fill=\"#ffffff\"/>\n",
			   width, y);
		svg += body;
		svg += "</svg>\n";
		return svg;
	}

	/* Escape text for SVG character data and attribute values. */
	static std::string escape(std::string_view s)
	{
		std::string out;
		for (const char c : s) {
			switch (c) {
			case '&': out += "&amp;"; break;
			case '<': out += "&lt;"; break;
			case '>': out += "&gt;"; break;
			case '"': out += "&quot;"; break;
			default: out += c;
			}
		}
		return out;
	}

private:
	static constexpr int width = 1000;
	static constexpr double margin = 16;
	static constexpr double label_w = 240;	/* row labels, left of the bars */
	static constexpr double bars_x0 = margin + label_w;
	static constexpr double bars_w = 420;	/* the longest bar; labels go right of it */
	static constexpr double bar_h = 13;
	static constexpr double bar_gap = 2;
	static constexpr double row_gap = 7;
	static constexpr double panel_gap = 22;

	static const char *colour(std::size_t i)
	{
		static const char *const palette[] = {
			"#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#76b7b2", "#e15759",
		};
		return palette[i % (sizeof(palette) / sizeof(palette[0]))];
	}

	static void text(std::string &out, double x, double y, std::string_view s,
			 const char *cls, const char *anchor = "start")
	{
		out += fmt("<text x=\"%.1f\" y=\"%.1f\" class=\"%s\" text-anchor=\"%s\">", x, y, cls,
			   anchor);
		out += escape(s);
		out += "</text>\n";
	}

	/* A round step for about 5 gridlines up to @max. */
	static double tick_step(double max)
	{
		const double raw = max / 5;
		const double mag = std::pow(10.0, std::floor(std::log10(raw)));
		for (const double m : {1.0, 2.0, 2.5, 5.0, 10.0})
			if (m * mag >= raw)
				return m * mag;
		return 10 * mag;
	}

	static std::string tick_label(double v)
	{
		if (v == 0)
			return "0";
		if (std::fabs(v) >= 100)
			return fmt("%.0f", v);
		if (std::fabs(v) >= 1)
			return fmt("%.4g", v);
		return fmt("%.3g", v);
	}

	double render_panel(std::string &out, const panel &p, double y) const
	{
		text(out, margin, y + 15, p.title, "ptitle");
		y += 24;

		/* Legend (only with more than one series). */
		if (p.series.size() > 1) {
			double x = bars_x0;
			for (std::size_t i = 0; i < p.series.size(); ++i) {
				out += fmt("<rect x=\"%.1f\" y=\"%.1f\" width=\"12\" height=\"12\" "
					   "fill=\"%s\"/>\n", x, y, colour(i));
				text(out, x + 17, y + 10.5, p.series[i], "legend");
				x += 17 + 7.2 * static_cast<double>(p.series[i].size()) + 22;
			}
			y += 20;
		}
		/* Room for the reference lines' labels, two staggered rows. */
		if (!p.refs.empty())
			y += p.refs.size() > 1 ? 26 : 14;

		double max = 0;
		for (const row &r : p.rows)
			for (const bar &b : r.bars)
				if (b.valid)
					max = std::max({max, b.value, b.hi});
		for (const ref_line &ref : p.refs)
			max = std::max(max, ref.value);
		if (!(max > 0))
			max = 1;
		const double step = tick_step(max);
		const double top = std::ceil(max / step - 1e-9) * step;
		const auto xof = [&](double v) { return bars_x0 + bars_w * std::max(0.0, v) / top; };

		const double grid_top = y;
		double h = 0;
		for (const row &r : p.rows)
			h += static_cast<double>(std::max<std::size_t>(r.bars.size(), 1)) *
				     (bar_h + bar_gap) - bar_gap + row_gap;
		const double grid_bottom = y + h;

		/* Bands behind the baseline rows, then gridlines, lines, bars on top. */
		for (double by = y; const row &r : p.rows) {
			const double rh = static_cast<double>(std::max<std::size_t>(r.bars.size(), 1)) *
						  (bar_h + bar_gap) - bar_gap;
			if (r.baseline)
				out += fmt("<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
					   "fill=\"#efefef\"/>\n",
					   margin, by - row_gap / 2, width - 2 * margin, rh + row_gap);
			by += rh + row_gap;
		}

		/* Gridlines and their values. */
		const int ticks = static_cast<int>(std::lround(top / step));
		for (int i = 0; i <= ticks; ++i) {
			const double v = step * i;
			const double x = xof(v);
			out += fmt("<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
				   "stroke=\"%s\" stroke-width=\"1\"/>\n",
				   x, grid_top - 2, x, grid_bottom, v == 0 ? "#888" : "#e4e4e4");
			text(out, x, grid_bottom + 12, tick_label(v), "axis", "middle");
		}

		/* Reference lines, under the bars and their labels. */
		for (std::size_t i = 0; i < p.refs.size(); ++i) {
			const double x = xof(p.refs[i].value);
			const double ty = grid_top - 5 - 12 * static_cast<double>(i % 2);
			out += fmt("<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
				   "stroke=\"#c00\" stroke-width=\"1.2\" stroke-dasharray=\"5,3\"/>\n",
				   x, ty + 2, x, grid_bottom);
			text(out, x, ty, p.refs[i].label, "ref", "middle");
		}

		for (const row &r : p.rows) {
			const std::size_t n = std::max<std::size_t>(r.bars.size(), 1);
			const double rh = static_cast<double>(n) * (bar_h + bar_gap) - bar_gap;
			text(out, bars_x0 - 8, y + rh / 2 + 4.5, r.label, "rlabel", "end");
			for (std::size_t i = 0; i < r.bars.size(); ++i) {
				const bar &b = r.bars[i];
				const double by = y + static_cast<double>(i) * (bar_h + bar_gap);
				double end = bars_x0;
				if (b.valid) {
					end = xof(b.value);
					out += fmt("<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
						   "height=\"%.1f\" fill=\"%s\"/>\n",
						   bars_x0, by, std::max(end - bars_x0, 0.5), bar_h,
						   colour(i));
					if (b.hi > b.lo) {
						const double cy = by + bar_h / 2;
						out += fmt("<path d=\"M%.1f %.1fH%.1fM%.1f %.1fV%.1fM%.1f "
							   "%.1fV%.1f\" stroke=\"#111\" stroke-width=\"1\" "
							   "fill=\"none\"/>\n",
							   xof(b.lo), cy, xof(b.hi), xof(b.lo), cy - 3.5,
							   cy + 3.5, xof(b.hi), cy - 3.5, cy + 3.5);
						end = std::max(end, xof(b.hi));
					}
				}
				text(out, end + 6, by + bar_h - 2.5, b.label, "blabel");
			}
			y += rh + row_gap;
		}

		y = grid_bottom + 16;
		for (std::size_t pos = 0; pos < p.note.size();) {
			std::size_t nl = p.note.find('\n', pos);
			if (nl == std::string::npos)
				nl = p.note.size();
			text(out, margin, y + 12, std::string_view(p.note).substr(pos, nl - pos), "note");
			y += 16;
			pos = nl + 1;
		}
		return y;
	}

	std::string title_;
	std::vector<std::string> subtitle_;
	std::vector<panel> panels_;
	std::vector<std::string> footer_;
	std::string warning_;
};

} // namespace mapdrv

#endif // MAPDRV_TOOLS_SVG_BARS_HPP
