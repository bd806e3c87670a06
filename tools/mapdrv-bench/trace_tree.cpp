// SPDX-License-Identifier: GPL-2.0
//
// mapdrv-bench: reading ftrace's function_graph output into a call tree.
#include "trace_tree.hpp"

#include <algorithm>
#include <cstdlib>
#include <sstream>

#include <mapdrv/text.hpp>

namespace mapdrv::bench {
namespace {

/* "  0.665 us" or "+ 11.512 us" left of the '|'; -1 when there is none. */
double duration_of(const std::string &left)
{
	const std::size_t us = left.find(" us");
	if (us == std::string::npos)
		return -1;
	std::size_t start = left.find_last_of(" +!#*@$", us - 1);
	start = start == std::string::npos ? 0 : start + 1;
	return std::strtod(left.c_str() + start, nullptr) * 1000;
}

/* The tracer's cost in each traced call, then every estimate. */
void estimate(trace_call &c, double e)
{
	c.below = 0;
	for (auto &child : c.children) {
		estimate(*child, e);
		c.below += 1 + child->below;
	}
	c.estimate = std::max(0.0, c.duration - e - 2 * e * static_cast<double>(c.below));
}

void shortest_leaf(const trace_call &c, double &min)
{
	if (c.children.empty() && c.duration > 0)
		min = std::min(min, c.duration);
	for (const auto &child : c.children)
		shortest_leaf(*child, min);
}

/*
 * Calls of one name under one parent, printed as one line ("x16"), their
 * children merged the same way: an eager mmap of 16 pages reads as one
 * vm_insert_pages() with 16 insertions below, not as 16 lines.
 */
void print_group(std::ostringstream &out, const std::vector<const trace_call *> &group,
		 double root, double min_share, int depth)
{
	double estimate = 0, duration = 0;
	std::vector<std::string> names;
	std::vector<std::vector<const trace_call *>> children;
	for (const trace_call *c : group) {
		estimate += c->estimate;
		duration += c->duration;
		for (const auto &child : c->children) {
			const auto it = std::find(names.begin(), names.end(), child->name);
			if (it == names.end()) {
				names.push_back(child->name);
				children.push_back({child.get()});
			} else {
				children[static_cast<std::size_t>(it - names.begin())].push_back(child.get());
			}
		}
	}
	if (depth > 0 && estimate < root * min_share)
		return;
	const std::string times = group.size() > 1 ? fmt(" x%zu", group.size()) : "";
	out << fmt("%9.0f %9.0f  %*s%s%s\n", estimate, duration, 2 * depth, "",
		   group.front()->name.c_str(), times.c_str());
	for (const auto &g : children)
		print_group(out, g, depth == 0 ? estimate : root, min_share, depth + 1);
}

} // namespace

trace_tree parse_trace(const std::string &text)
{
	trace_tree t;
	std::vector<trace_call *> open;
	std::istringstream in(text);
	std::string line;
	while (std::getline(in, line)) {
		const std::size_t bar = line.find('|');
		if (line.empty() || line[0] == '#' || bar == std::string::npos)
			continue;
		std::string call = line.substr(bar + 1);
		call.erase(0, call.find_first_not_of(' '));
		const double d = duration_of(line.substr(0, bar));
		if (call.rfind("/*", 0) == 0)
			continue;			/* a trace_marker line */
		if (call.rfind('}', 0) == 0) {		/* the closing line of a call */
			if (!open.empty()) {
				open.back()->duration = d;
				open.pop_back();
			}
			continue;
		}
		auto c = std::make_unique<trace_call>();
		const bool opens = !call.empty() && call.back() == '{';
		c->name = call.substr(0, call.find("()"));
		c->duration = d;
		trace_call *raw = c.get();
		(open.empty() ? t.roots : open.back()->children).push_back(std::move(c));
		if (opens)
			open.push_back(raw);
	}
	double e = 1e18;
	for (const auto &r : t.roots)
		shortest_leaf(*r, e);
	t.per_call = e < 1e18 ? e : 0;
	for (const auto &r : t.roots)
		estimate(*r, t.per_call);
	return t;
}

std::string summarize(const trace_tree &t, double min_share)
{
	std::ostringstream out;
	out << fmt("%9s %9s  call (tracer's cost per traced call: about %.0f inside, as much "
		   "around)\n", "estimate", "traced", t.per_call);
	for (const auto &r : t.roots)
		print_group(out, {r.get()}, r->estimate, min_share, 0);
	return out.str();
}

} // namespace mapdrv::bench
