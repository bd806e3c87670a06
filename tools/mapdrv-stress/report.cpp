// SPDX-License-Identifier: GPL-2.0
//
// Divergence lines and the summary (see report.hpp).

#include <cinttypes>
#include <cstdio>
#include <cstring>

#include <mapdrv/cli.hpp>
#include <mapdrv/json.hpp>
#include <mapdrv/text.hpp>

#include "report.hpp"

namespace mapdrv::stress {

std::string describe(const config &cfg, const divergence &d)
{
	std::string s = fmt("op %s", d.op);
	if (d.worker >= 0)
		s += fmt(", worker %d%s, op #%" PRIu64, d.worker, d.in_child ? " (forked child)" : "",
			 d.opno);
	s += ", seed " + hex(cfg.seed) + ": " + d.what;
	if (d.has_offset)
		s += ", offset " + hex(d.offset);
	if (d.has_addr)
		s += ", address " + hex(d.addr);
	if (d.has_values)
		s += ", expected " + hex16(d.expected) + " found " + hex16(d.found);
	if (d.signo)
		s += fmt(", signal %s", sigabbrev_np(d.signo) ? sigabbrev_np(d.signo) : "?");
	if (d.err)
		s += ", errno " + errno_name(d.err);
	if (d.has_ret)
		s += fmt(", returned %ld", d.ret);
	if (d.expected_errs.n) {
		s += " (expected ";
		for (int i = 0; i < d.expected_errs.n; ++i)
			s += (i ? " or " : "") + errno_name(d.expected_errs.v[i]);
		s += ")";
	}
	return s;
}

void record_divergence(const config &cfg, shared_state &sh, const divergence &d, bool may_print)
{
	const u64 n = sh.divergences.fetch_add(1) + 1;
	int zero = 0;
	bool first = false;
	if (sh.first_claimed.compare_exchange_strong(zero, 1)) {
		sh.first = d;
		sh.first_ready.store(1, std::memory_order_release);
		first = true;
	}
	if (may_print) {
		if (first && sh.first_printed.exchange(1) == 0)
			std::fprintf(stderr, "%s: DIVERGENCE: %s\n", prog, describe(cfg, d).c_str());
		else if (cfg.verbose && sh.printed.fetch_add(1) < max_printed)
			std::fprintf(stderr, "%s: divergence %" PRIu64 ": %s\n", prog, n,
				     describe(cfg, d).c_str());
	}
	if (!cfg.keep_going)
		sh.stop.store(1);
}

void print_first_if_pending(const config &cfg, shared_state &sh)
{
	if (sh.first_ready.load(std::memory_order_acquire) && sh.first_printed.exchange(1) == 0)
		std::fprintf(stderr, "%s: DIVERGENCE: %s\n", prog, describe(cfg, sh.first).c_str());
}

bool run_ok(const shared_state &sh, const run_result &rr)
{
	return sh.divergences.load() == 0 && (!rr.unload_requested || rr.final_unload.value_or(false));
}

void print_header(const options &opt, const config &cfg, const run_result &rr)
{
	const buffer_layout &b = cfg.buf;
	const std::string_view v = cli::version();
	std::printf("%s %.*s: seed %s (replay with --seed %s)\n", prog, static_cast<int>(v.size()),
		    v.data(), hex(cfg.seed).c_str(), hex(cfg.seed).c_str());
	std::printf("device:        %s, %" PRIu64 " bytes (%" PRIu64 " pages of %" PRIu64
		    "), pattern seed %s\n", cfg.device.c_str(), b.size, b.npages, b.page,
		    hex(b.pattern_seed).c_str());
	std::printf("workers:       %u processes x %u threads = %u, regions of %" PRIu64
		    " pages (the last one to the end)\n", cfg.procs, cfg.threads, b.workers,
		    b.region / b.page);
	std::printf("limit:         ");
	if (opt.seconds)
		std::printf("%g s", *opt.seconds);
	if (opt.seconds && opt.ops)
		std::printf(" or ");
	if (opt.ops)
		std::printf("%" PRIu64 " operations", *opt.ops);
	std::printf(", whichever comes first%s\n", opt.keep_going ? "" : ", or the first divergence");
	std::printf("SET_MODE:      %s\n", rr.set_mode_note.c_str());
	std::printf("MADV_POPULATE: %s\n", rr.populate_note.c_str());
	if (!opt.exclude.empty()) {
		std::printf("excluded:     ");
		for (const std::string &name : opt.exclude)
			std::printf(" %s", name.c_str());
		std::printf("\n");
	}
	if (rr.restored_words)
		std::printf("note:          %" PRIu64 " words did not hold the pattern at start "
			    "(left by an earlier run?); stamped back through write()\n", rr.restored_words);
}

namespace {

// Operation @op's counts, summed over the workers.
op_counts total_counts(const config &cfg, const shared_state &sh, unsigned op)
{
	op_counts c{};
	for (unsigned w = 0; w < cfg.buf.workers; ++w) {
		const op_counts &x = sh.workers[w].ops[op];
		c.attempted += x.attempted;
		c.ok += x.ok;
		c.refused += x.refused;
		c.diverged += x.diverged;
		c.unsupported += x.unsupported;
	}
	return c;
}

u64 total_ops(const config &cfg, const shared_state &sh)
{
	u64 total = 0;
	for (unsigned op = 0; op < OP_COUNT; ++op)
		total += total_counts(cfg, sh, op).attempted;
	return total;
}

u64 total_child_writes(const config &cfg, const shared_state &sh)
{
	u64 n = 0;
	for (unsigned w = 0; w < cfg.buf.workers; ++w)
		n += sh.workers[w].child_writes;
	return n;
}

double per_second(u64 n, double seconds)
{
	return seconds > 0 ? static_cast<double>(n) / seconds : 0.0;
}

// The operations table of the text summary.
void print_op_table(const config &cfg, const shared_state &sh)
{
	std::printf("\n%-10s %12s %12s %12s %9s\n", "operation", "attempted", "ok", "refused", "diverged");
	for (unsigned op = 0; op < OP_COUNT; ++op) {
		const op_counts c = total_counts(cfg, sh, op);
		if (c.attempted == 0 && ((op == OP_SET_MODE && !cfg.set_mode) || (op == OP_UNLOAD && !cfg.unload)))
			continue;
		std::printf("%-10s %12" PRIu64 " %12" PRIu64 " %12" PRIu64 " %9" PRIu64 "\n", op_names[op],
			    c.attempted, c.ok, c.refused, c.diverged);
	}
	std::printf("%-10s %12" PRIu64 "\n", "total", total_ops(cfg, sh));
}

} // namespace

void print_text(const config &cfg, const shared_state &sh, const run_result &rr)
{
	print_op_table(cfg, sh);
	const u64 total = total_ops(cfg, sh);
	std::printf("\n(refused: failed with the documented errno, or a deliberate fault took "
		    "SIGSEGV; forked children wrote %" PRIu64 " words)\n", total_child_writes(cfg, sh));
	std::printf("elapsed:       %.3f s, %.0f operations/s (under emulation speed means nothing)\n",
		    rr.seconds, per_second(total, rr.seconds));
	std::printf("driver:        faults %" PRIu64 " -> %" PRIu64 ", mmap calls %" PRIu64 " -> %" PRIu64
		    ", live VMAs %" PRIu64 " -> %" PRIu64 "\n",
		    static_cast<u64>(rr.info_before.faults), static_cast<u64>(rr.info_after.faults),
		    static_cast<u64>(rr.info_before.mmap_calls), static_cast<u64>(rr.info_after.mmap_calls),
		    static_cast<u64>(rr.info_before.live_vmas), static_cast<u64>(rr.info_after.live_vmas));
	if (rr.unload_requested) {
		std::printf("unload:        %" PRIu64 " attempts while held, %" PRIu64 " refused as expected\n",
			    sh.unload_attempts.load(), sh.unload_refused.load());
		std::printf("final unload:  %s\n", rr.final_unload_note.c_str());
	}
	std::printf("divergences:   %" PRIu64 "\n", sh.divergences.load());
	if (sh.first_ready.load())
		std::printf("first:         %s\n", describe(cfg, sh.first).c_str());
	std::printf("seed:          %s\n", hex(cfg.seed).c_str());
	std::printf("result: %s\n", run_ok(sh, rr) ? "OK" : sh.divergences.load() ? "DIVERGENCE"
										   : "FINAL UNLOAD FAILED");
}

namespace {

// "ops_by_type" and "op_details".
void json_ops(json_writer &j, const config &cfg, const shared_state &sh)
{
	j.key("ops_by_type").begin_object();
	for (unsigned op = 0; op < OP_COUNT; ++op)
		j.key(op_names[op]).integer(total_counts(cfg, sh, op).attempted);
	j.end_object();
	j.key("op_details").begin_object();
	for (unsigned op = 0; op < OP_COUNT; ++op) {
		const op_counts c = total_counts(cfg, sh, op);
		j.key(op_names[op]).begin_object();
		j.key("attempted").integer(c.attempted).key("ok").integer(c.ok);
		j.key("refused").integer(c.refused).key("diverged").integer(c.diverged);
		j.key("unsupported").integer(c.unsupported);
		j.end_object();
	}
	j.end_object();
}

void json_driver(json_writer &j, const run_result &rr)
{
	j.key("driver").begin_object();
	j.key("faults_before").integer(rr.info_before.faults);
	j.key("faults_after").integer(rr.info_after.faults);
	j.key("mmap_calls_before").integer(rr.info_before.mmap_calls);
	j.key("mmap_calls_after").integer(rr.info_after.mmap_calls);
	j.key("live_vmas_before").integer(rr.info_before.live_vmas);
	j.key("live_vmas_after").integer(rr.info_after.live_vmas);
	j.end_object();
}

void json_first_divergence(json_writer &j, const config &cfg, const shared_state &sh)
{
	j.key("first_divergence");
	if (!sh.first_ready.load()) {
		j.null();
		return;
	}
	const divergence &d = sh.first;
	j.begin_object();
	j.key("op").str(d.op).key("what").str(d.what);
	j.key("worker").signed_integer(d.worker).key("in_child").boolean(d.in_child);
	j.key("opno").integer(d.opno);
	j.key("offset");
	d.has_offset ? j.str(hex(d.offset)) : j.null();
	if (d.has_values)
		j.key("expected").str(hex16(d.expected)).key("found").str(hex16(d.found));
	j.key("errno");
	d.err ? j.str(errno_name(d.err)) : j.null();
	j.key("text").str(describe(cfg, d));
	j.end_object();
}

} // namespace

void print_json(const config &cfg, const shared_state &sh, const run_result &rr)
{
	const buffer_layout &b = cfg.buf;
	const u64 total = total_ops(cfg, sh);
	json_writer j;
	j.begin_object();
	j.key("seed").str(hex(cfg.seed)).key("device").str(cfg.device);
	j.key("size").integer(b.size).key("page_size").integer(b.page);
	j.key("pattern_seed").str(hex16(b.pattern_seed));
	j.key("procs").integer(cfg.procs).key("threads").integer(cfg.threads);
	j.key("workers").integer(b.workers).key("region_pages").integer(b.region / b.page);
	j.key("set_mode").boolean(cfg.set_mode).key("madv_populate").boolean(cfg.populate);
	j.key("restored_words_at_start").integer(rr.restored_words);
	j.key("excluded").begin_array();
	for (const std::string &name : rr.excluded)
		j.str(name);
	j.end_array();
	j.key("seconds").raw(fmt("%.3f", rr.seconds)).key("ops").integer(total);
	j.key("ops_per_second").raw(fmt("%.0f", per_second(total, rr.seconds)));
	j.key("divergences").integer(sh.divergences.load());
	json_ops(j, cfg, sh);
	j.key("child_writes").integer(total_child_writes(cfg, sh));
	json_driver(j, rr);
	j.key("unload_attempts").integer(sh.unload_attempts.load());
	j.key("unload_refused").integer(sh.unload_refused.load());
	j.key("final_unload");
	rr.unload_requested ? j.boolean(rr.final_unload.value_or(false)) : j.null();
	json_first_divergence(j, cfg, sh);
	j.key("ok").boolean(run_ok(sh, rr));
	j.end_object();
	std::printf("%s\n", j.text().c_str());
}

} // namespace mapdrv::stress
