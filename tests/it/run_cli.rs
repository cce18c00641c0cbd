//! `innodex run` and `innodex check`, run as a CI pipeline runs them (needs `--features cli`).
use std::path::{Path, PathBuf};

use crate::support::{innodex, s, text, tmp};

use sha2::{Digest, Sha256};

fn files_of(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

fn report(dir: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(dir.join("report.json")).unwrap()).unwrap()
}

#[test]
fn same_run_twice_gives_byte_identical_files() {
    let d = tmp("twice");
    let (a, b) = (d.join("a"), d.join("b"));
    let first = innodex(&["run", "scenarios/linyi-baseline.run.toml", "--out", s(&a)]);
    assert!(first.status.success(), "{}", text(&first.stderr));
    // The second run names the file by its absolute path and runs from another directory:
    // nothing machine-dependent may reach the outputs.
    let abs = std::fs::canonicalize("scenarios/linyi-baseline.run.toml").unwrap();
    let second = crate::support::bin()
        .args(["run", s(&abs), "--out", s(&b)])
        .current_dir(&d)
        .output()
        .unwrap();
    assert!(second.status.success(), "{}", text(&second.stderr));
    let (fa, fb) = (files_of(&a), files_of(&b));
    let names: Vec<&str> = fa.iter().map(|f| f.0.as_str()).collect();
    for want in [
        "report.json",
        "report.md",
        "report.html",
        "checks.csv",
        "targets.csv",
        "projection.csv",
        "fans.csv",
        "key_results.csv",
    ] {
        assert!(names.contains(&want), "{want} not in {names:?}");
    }
    assert_eq!(fa.len(), fb.len());
    for ((na, ba), (nb, bb)) in fa.iter().zip(&fb) {
        assert_eq!(na, nb);
        assert!(ba == bb, "{na} differs between two runs");
    }
    // What the report records: version, seeds, input hashes (checked against the files).
    let r = report(&a);
    assert_eq!(r["innodex_version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(r["seeds"]["projection"], 2021);
    assert_eq!(r["projection"]["n_paths"], 20000);
    let find = |role: &str| input(&r, role);
    assert_eq!(find("scenarios")["path"], "linyi.toml");
    assert_eq!(
        find("scenarios")["sha256"],
        sha256_hex("scenarios/linyi.toml")
    );
    assert_eq!(
        find("run file")["sha256"],
        sha256_hex("scenarios/linyi-baseline.run.toml")
    );
    assert!(!text(&fa[0].1).contains(s(&d)), "an absolute path leaked");
    // The required-CAGR check reads the plan's doubling: 2^(1/5) − 1.
    let c = &r["checks"][0];
    assert_eq!(c["kind"], "required_cagr");
    let g = c["observed"].as_f64().unwrap();
    assert!((g - (2f64.powf(0.2) - 1.0)).abs() < 1e-12, "{g}");
    assert_eq!(c["passed"], true);
    // The check's probability is the projection's own number.
    let p = r["checks"][1]["observed"].as_f64().unwrap();
    let proj = r["projection"]["scenarios"][0]["result"]["targets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == "hte_doubling")
        .unwrap()["probability"]
        .as_f64()
        .unwrap();
    assert_eq!(p, proj);
    assert_eq!(
        r["key_results"]["projection.baseline.hte_doubling.probability"],
        proj
    );
}

#[test]
fn run_is_quiet_in_ci_and_verbose_on_request() {
    let d = tmp("logging");
    let out = innodex(&[
        "run",
        "scenarios/linyi-rd-share.run.toml",
        "--out",
        s(&d.join("a")),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    // stderr is not a terminal here: no progress bar, nothing at all.
    assert!(out.stderr.is_empty(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("PASS"));
    let quiet = innodex(&[
        "run",
        "scenarios/linyi-rd-share.run.toml",
        "--out",
        s(&d.join("b")),
        "--quiet",
    ]);
    assert!(quiet.status.success());
    assert!(quiet.stdout.is_empty() && quiet.stderr.is_empty());
    let verbose = innodex(&[
        "run",
        "scenarios/linyi-rd-share.run.toml",
        "--out",
        s(&d.join("c")),
        "--verbose",
    ]);
    let err = text(&verbose.stderr);
    assert!(err.contains("projection: scenario `fast`"), "{err}");
    assert!(err.contains("sensitivity: R&D-share gap"), "{err}");
    // Logging changes nothing in the outputs.
    assert_eq!(files_of(&d.join("a")), files_of(&d.join("c")));
}

fn write(dir: &Path, name: &str, body: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, body).unwrap();
    p
}

#[test]
fn a_failing_check_exits_1_and_names_the_check_and_values() {
    let d = tmp("fail");
    let f = write(
        &d,
        "fail.run.toml",
        r#"[run]
name = "gate"
plan = "linyi-2021-2025"

[projection]
paths = 4000

[[checks]]
name = "doubling needs at most 14 % a year"
kind = "required_cagr"
indicator = "hte_count"
at_most = 0.14

[[checks]]
kind = "probability_met"
target = "tsme_entries"
scenario = "slow"
at_least = 0.99

[[checks]]
kind = "probability_met"
target = "tsme_entries"
scenario = "fast"
at_least = 0.5
"#,
    );
    let out = innodex(&["check", s(&f), "--out", s(&d.join("out"))]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let r = report(&d.join("out"));
    let line = |needle: &str| {
        stdout
            .lines()
            .find(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("no line with {needle} in:\n{stdout}"))
            .to_string()
    };
    // 2^(1/5) − 1 = 0.148698 > 0.14.
    let l = line("doubling needs at most 14 % a year");
    assert!(
        l.contains("0.148698") && l.contains("≤ 0.14") && l.ends_with("FAIL"),
        "{l}"
    );
    let slow = r["checks"][1]["observed"].as_f64().unwrap();
    assert!(slow < 0.99);
    let l = line("probability_met(target=tsme_entries, scenario=slow)");
    assert!(
        l.contains(&format!("{slow:.4}")) && l.contains("≥ 0.99") && l.ends_with("FAIL"),
        "{l}"
    );
    let l = line("scenario=fast");
    assert!(l.ends_with("PASS"), "{l}");
    assert!(stdout.contains("3 checks: 1 passed, 2 failed"), "{stdout}");
    // `run` writes the report whatever the checks say (the gate is `check`).
    let out = innodex(&["run", s(&f), "--out", s(&d.join("run")), "--quiet"]);
    assert_eq!(out.status.code(), Some(0));
}

/// A run file of the Linyi projection with its own copy of the scenario set.
fn baseline_case(d: &Path, mode: &str) -> PathBuf {
    let set = std::fs::read_to_string("scenarios/linyi.toml").unwrap();
    // The first `mean = 0.05, sd = 0.08` is the baseline scenario's tech-SME growth (its
    // start is assumed, so the probability of its target moves with the assumption; the
    // high-tech enterprises are already past their target on evidence).
    let changed = set.replacen(
        "mean = 0.05, sd = 0.08",
        &format!("mean = {mode}, sd = 0.08"),
        1,
    );
    assert_ne!(
        changed == set,
        mode != "0.05",
        "the scenario file changed shape"
    );
    write(d, "linyi.toml", &changed);
    write(
        d,
        "gate.run.toml",
        r#"[run]
name = "regression gate"
plan = "linyi-2021-2025"

[projection]
scenarios = "linyi.toml"
only = ["baseline"]
paths = 8000
"#,
    )
}

#[test]
fn baseline_gate_passes_within_tolerance_and_fails_beyond() {
    let d = tmp("baseline");
    let f = baseline_case(&d, "0.05");
    let out = innodex(&["run", s(&f), "--out", s(&d.join("old")), "--quiet"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let old = report(&d.join("old"));
    let base = d.join("old/report.json");
    let key = "projection.baseline.tsme_entries.probability";
    let p_old = old["key_results"][key].as_f64().unwrap();

    // `innodex check` of the run file against the old report, with more options.
    let check = |more: &[&str]| {
        let args = [&["check", s(&f), "--baseline", s(&base)], more].concat();
        innodex(&args)
    };

    // … with a tolerance of 0.02 (absolute) and 1 % (relative), writing to `out`.
    let check_with_tolerance = |out: &str| {
        let out = d.join(out);
        check(&[
            "--tolerance",
            "0.02",
            "--rel-tolerance",
            "0.01",
            "--out",
            s(&out),
        ])
    };

    // Unchanged inputs: identical key results.
    let same = check(&[]);
    assert_eq!(same.status.code(), Some(0), "{}", text(&same.stdout));
    assert!(text(&same.stdout).contains("no key result moved beyond tolerance"));

    // A small change of an assumption: results move, but within tolerance (absolute for
    // probabilities, relative for levels such as enterprise counts).
    baseline_case(&d, "0.051");
    let small = check_with_tolerance("small");
    let p_small = report(&d.join("small"))["key_results"][key]
        .as_f64()
        .unwrap();
    assert!(p_small != p_old, "the change must move the result");
    assert!((p_small - p_old).abs() <= 0.02, "{p_old} -> {p_small}");
    assert_eq!(small.status.code(), Some(0), "{}", text(&small.stdout));
    assert!(text(&small.stdout).contains("largest change within tolerance"));

    // A large change: beyond tolerance, and the output says what moved and by how much.
    baseline_case(&d, "0.10");
    let big = check_with_tolerance("big");
    assert_eq!(big.status.code(), Some(1), "{}", text(&big.stderr));
    let stdout = text(&big.stdout);
    let p_big = report(&d.join("big"))["key_results"][key].as_f64().unwrap();
    assert!(p_big - p_old > 0.02);
    let l = stdout
        .lines()
        .find(|l| l.contains(key))
        .unwrap_or_else(|| panic!("{key} not reported:\n{stdout}"));
    assert!(l.contains(&format!("{:+.6}", p_big - p_old)), "{l}");
    assert!(stdout.contains("baseline: FAIL"), "{stdout}");
    // A relative tolerance wide enough lets the same change through.
    let wide = check(&["--tolerance", "0", "--rel-tolerance", "10", "--quiet"]);
    assert_eq!(wide.status.code(), Some(0), "{}", text(&wide.stdout));
    // A baseline that is not a run report is bad input.
    let bad = innodex(&["check", s(&f), "--baseline", "Cargo.toml"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(text(&bad.stderr).contains("Cargo.toml"));
}

/// Bad input: exit 2, one line `error: FILE:LINE…` naming the key, no backtrace.
fn assert_bad(body: &str, line: usize, needles: &[&str]) {
    let d = tmp(&format!("bad-{line}-{}", needles[0].len()));
    let f = write(&d, "bad.run.toml", body);
    let err = crate::support::user_error(&innodex(&["check", s(&f)]));
    assert!(
        err.contains(&format!("bad.run.toml:{line}:")),
        "line {line}: {err}"
    );
    for n in needles {
        assert!(err.contains(n), "`{n}` not in: {err}");
    }
}

const HEAD: &str = "[run]\nname = \"bad\"\nplan = \"linyi-2021-2025\"\n";

#[test]
fn malformed_run_files_name_file_line_and_key() {
    // A wrong type.
    assert_bad(
        &format!("{HEAD}seed = \"many\"\n"),
        4,
        &["key `seed`", "invalid type"],
    );
    // An unknown key.
    assert_bad(
        &format!("{HEAD}\n[projection]\npathz = 10\n"),
        6,
        &["`pathz`"],
    );
    // A missing plan.
    assert_bad("[run]\nname = \"no plan\"\n", 1, &["`plan`", "missing"]);
    // An unknown indicator in a check: the check, the key and the line.
    assert_bad(
        &format!(
            "{HEAD}\n[[checks]]\nname = \"typo\"\nkind = \"required_cagr\"\nindicator = \"hte_cuont\"\nat_most = 0.15\n"
        ),
        8,
        &["check `typo`", "key `indicator`", "hte_cuont"],
    );
    // A wrong type inside a check.
    assert_bad(
        &format!(
            "{HEAD}\n[[checks]]\nkind = \"rank\"\nindex = \"x\"\nunit = \"CHE\"\nwithin_top = \"six\"\n"
        ),
        9,
        &["key `within_top`"],
    );
    // An unknown kind of check.
    assert_bad(
        &format!("{HEAD}\n[[checks]]\nkind = \"probablity_met\"\n"),
        6,
        &["key `kind`", "probablity_met"],
    );
    // A key that does not fit the kind, a missing bound.
    assert_bad(
        &format!(
            "{HEAD}\n[[checks]]\nkind = \"required_cagr\"\ntarget = \"hte_count\"\nwithin_top = 3\nat_most = 1\n"
        ),
        8,
        &["key `within_top`", "takes no"],
    );
    assert_bad(
        &format!("{HEAD}\n[[checks]]\nkind = \"required_cagr\"\ntarget = \"hte_count\"\n"),
        5,
        &["at_least", "needs"],
    );
    // A scenario the projection does not have; a missing scenario file.
    assert_bad(
        &format!(
            "{HEAD}\n[projection]\n\n[[checks]]\nkind = \"probability_met\"\ntarget = \"hte_count\"\nscenario = \"fastest\"\nat_least = 0.5\n"
        ),
        10,
        &["key `scenario`", "fastest", "baseline, slow, fast"],
    );
    assert_bad(
        &format!("{HEAD}\n[projection]\nscenarios = \"nowhere.toml\"\n"),
        6,
        &["key `projection.scenarios`", "nowhere.toml"],
    );
    // An unknown plan.
    assert_bad(
        "[run]\nname = \"x\"\nplan = \"linyi-2031\"\n",
        3,
        &["key `run.plan`", "linyi-2031"],
    );
}

#[test]
fn unknown_unit_in_a_rank_check_is_bad_input() {
    let d = tmp("unit");
    let spec = std::fs::canonicalize("specs/china_rd_panel.toml").unwrap();
    let f = write(
        &d,
        "unit.run.toml",
        &format!(
            "{HEAD}\n[[index]]\nid = \"cn\"\nspec = {:?}\n\n[[checks]]\nkind = \"rank\"\nindex = \"cn\"\nunit = \"Shangdong\"\nwithin_top = 6\n",
            s(&spec)
        ),
    );
    let out = innodex(&["check", s(&f)]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("unit.run.toml:12:") && err.contains("Shangdong"),
        "{err}"
    );
    assert!(
        err.contains("Shandong"),
        "the message lists the units: {err}"
    );
}

#[test]
fn index_example_checks_read_the_index_results() {
    let d = tmp("index");
    let out = innodex(&[
        "check",
        "scenarios/asem-index.run.toml",
        "--out",
        s(&d),
        "--quiet",
    ]);
    let r = report(&d);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    let ix = |id: &str| {
        r["indices"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["id"] == id)
            .unwrap()["report"]
            .clone()
    };
    let rank_of = |id: &str, unit: &str| {
        ix(id)["ranking"]
            .as_array()
            .unwrap()
            .iter()
            .find(|row| row["unit"] == unit)
            .unwrap()["rank"]
            .as_f64()
            .unwrap()
    };
    assert_eq!(
        r["checks"][0]["observed"].as_f64(),
        Some(rank_of("china_rd", "Shandong"))
    );
    assert_eq!(
        r["checks"][1]["observed"].as_f64(),
        Some(rank_of("asem", "CHE"))
    );
    let q95 = ix("asem")["uncertainty"]["rank_stats"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["unit"] == "CHE")
        .unwrap()["q95"]
        .as_f64();
    assert_eq!(r["checks"][2]["observed"].as_f64(), q95);
    // The run file's size and seed reached the uncertainty analysis.
    assert_eq!(
        ix("asem")["uncertainty"]["n"].as_u64().or(Some(500)),
        Some(500)
    );
    assert_eq!(r["seeds"]["index.asem.uncertainty"], 2026);
    // Per-rebuild arrays are left out of the report.
    assert_eq!(
        ix("asem")["uncertainty"]["ranks"].as_array().map(Vec::len),
        Some(0)
    );
}

#[test]
fn committed_schema_is_the_generated_one() {
    let committed = std::fs::read_to_string("docs/run-file.schema.json").unwrap();
    assert_eq!(
        innodex::run::schema_json(),
        committed,
        "regenerate: innodex schema > docs/run-file.schema.json"
    );
    let out = innodex(&["schema"]);
    assert_eq!(text(&out.stdout), committed);
    // The schema knows the check kinds and rejects unknown keys.
    let v: serde_json::Value = serde_json::from_str(&committed).unwrap();
    let kinds = v["$defs"]["CheckKind"].to_string();
    for k in [
        "probability_met",
        "quantile",
        "required_cagr",
        "status",
        "rank",
        "score",
        "sobol",
    ] {
        assert!(kinds.contains(k), "{k} not in {kinds}");
    }
    assert_eq!(v["additionalProperties"], false);
}

/// Headless Chromium from Debian's package (installed by scripts/setup-browser.sh, which
/// scripts/test.sh runs). Outside the test script (`INNODEX_REQUIRE_BROWSER` unset) a
/// developer machine without Chromium skips this test with a message; in CI it must run.
fn chromium() -> Option<PathBuf> {
    let found = ["chromium", "chromium-browser"].iter().find_map(|b| {
        std::process::Command::new(b)
            .arg("--version")
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|_| PathBuf::from(b))
    });
    if found.is_none() {
        assert!(
            std::env::var_os("INNODEX_REQUIRE_BROWSER").is_none(),
            "chromium is missing: run scripts/setup-browser.sh"
        );
        eprintln!("skipped: no chromium (scripts/setup-browser.sh installs it)");
    }
    found
}

/// Loads a page in headless Chromium: (the DOM after loading, the console messages).
fn load_in_browser(chromium: &Path, page: &Path, profile: &Path) -> (String, Vec<String>) {
    let out = std::process::Command::new(chromium)
        .args([
            "--headless",
            "--disable-gpu",
            "--no-sandbox",
            "--no-first-run",
            "--enable-logging=stderr",
            "--v=0",
            &format!("--user-data-dir={}", s(profile)),
            "--dump-dom",
            &format!("file://{}", s(&std::fs::canonicalize(page).unwrap())),
        ])
        .output()
        .expect("chromium runs");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let console = text(&out.stderr)
        .lines()
        .filter(|l| l.contains("CONSOLE"))
        .map(String::from)
        .collect();
    (text(&out.stdout), console)
}

#[test]
fn html_report_opens_in_a_browser_without_console_errors() {
    let Some(chromium) = chromium() else { return };
    let d = tmp("browser");
    // The harness sees a console error when there is one.
    let probe = write(
        &d,
        "probe.html",
        "<!DOCTYPE html><html><body><script>console.error('probe-error')</script></body></html>",
    );
    let (_, console) = load_in_browser(&chromium, &probe, &d.join("profile-probe"));
    assert!(
        console.iter().any(|l| l.contains("probe-error")),
        "the console capture does not work: {console:?}"
    );
    // One run with every kind of chart.
    let here = std::env::current_dir().unwrap();
    let f = write(
        &d,
        "all.run.toml",
        &format!(
            r#"[run]
name = "all charts <&> \"quoted\""
plan = "linyi-2021-2025"
[projection]
scenarios = {:?}
paths = 4000
[sensitivity.rd_share_gap]
n = 256
[sensitivity.rd_growth_grid]
gdp_growths = [0.04, 0.06, 0.08]
baselines = [1.6, 2.0]
reference_2025 = 2.8
[[index]]
id = "asem"
spec = {:?}
uncertainty_n = 100
"#,
            s(&here.join("scenarios/linyi.toml")),
            s(&here.join("specs/asem_coinr.toml"))
        ),
    );
    let out = innodex(&["run", s(&f), "--out", s(&d.join("out")), "--quiet"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let page = d.join("out/report.html");
    let source = std::fs::read_to_string(&page).unwrap();
    assert!(
        !source.contains("http://") && !source.contains("https://") || {
            // The only URL allowed is the SVG namespace, which loads nothing.
            source
                .match_indices("http")
                .all(|(i, _)| source[i..].starts_with("http://www.w3.org/2000/svg"))
        }
    );
    let (dom, console) = load_in_browser(&chromium, &page, &d.join("profile"));
    assert!(console.is_empty(), "console messages: {console:?}");
    let svgs_in_source = source.matches("<svg").count();
    assert_eq!(
        dom.matches("<svg").count(),
        svgs_in_source,
        "the browser lost charts"
    );
    for kind in [
        "paths",
        "fan",
        "tornado",
        "sobol-by-year",
        "heatmap",
        "rank-intervals",
    ] {
        let at = dom
            .find(&format!("data-chart=\"{kind}\""))
            .unwrap_or_else(|| panic!("no {kind} chart in the DOM"));
        let svg = &dom[at..];
        let end = svg.find("</figure>").unwrap();
        let svg = &svg[..end];
        assert!(svg.contains("<svg"), "{kind}: no <svg>");
        assert!(svg.contains("<text"), "{kind}: no labels");
        assert!(
            svg.contains("<rect") || svg.contains("<polyline") || svg.contains("<polygon"),
            "{kind}: nothing drawn"
        );
    }
    // The title was escaped, not injected.
    assert!(
        dom.contains("all charts &lt;&amp;&gt;"),
        "title not escaped"
    );
    // Finished charts: every chart has a title and axis labels; every fan of an indicator with
    // a target on its value draws that threshold (a dashed line named in the legend); counts
    // are whole numbers (no "700.0"); targets with the same required paths share one chart.
    let figures: Vec<&str> = dom.split("<figure").skip(1).collect();
    for f in &figures {
        let f = &f[..f.find("</figure>").unwrap()];
        let texts = f.matches("<text").count();
        assert!(
            texts >= 6,
            "a chart with {texts} labels: {}",
            &f[..f.len().min(300)]
        );
        if f.contains("data-chart=\"fan\"") {
            assert!(
                f.contains("year (4000 paths, seed 2021)"),
                "fan without an x label"
            );
            assert!(
                f.contains("median and 5–95 % band by scenario"),
                "fan without a subtitle"
            );
        }
    }
    let fan = |id: &str| {
        figures
            .iter()
            .find(|f| f.contains(&format!("<figcaption>{id}: fan chart")))
            .unwrap_or_else(|| panic!("no fan of {id}"))
    };
    for (id, title, unit, threshold) in [
        (
            "hte_count",
            "High-tech enterprises",
            "enterprises",
            "hte_count (2025) ≥ 1,425",
        ),
        (
            "hte_count",
            "High-tech enterprises",
            "enterprises",
            "hte_doubling (2025) ≥ 1,500",
        ),
        (
            "ht_output_share",
            "High-tech industry output",
            "%",
            "ht_output_share (2025) ≥ 46",
        ),
        (
            "tsme_entries",
            "Tech-based SMEs",
            "enterprises a year",
            "tsme_entries (each year) ≥ 600",
        ),
    ] {
        let f = fan(id);
        assert!(
            f.contains(title) && f.contains(&format!("\n{unit}\n")),
            "{id}: title or unit"
        );
        assert!(f.contains(threshold), "{id}: no threshold line {threshold}");
    }
    // The verdict says what each P(met) was calibrated against.
    assert!(
        dom.contains("<ul id=\"calibration\">")
            && dom.contains("hte_count: † calibrated against china_province_rd"),
        "no calibration list in the verdict"
    );
    // A start the scenarios assume is said on the chart.
    assert!(fan("ht_output_share").contains("starts from a value the scenarios assume"));
    assert!(!fan("hte_count").contains("starts from a value the scenarios assume"));
    let whole_with_decimals = regex_lite_whole(&source);
    assert!(
        whole_with_decimals.is_empty(),
        "ticks like 700.0: {whole_with_decimals:?}"
    );
    assert_eq!(
        source.matches("data-chart=\"paths\"").count(),
        1,
        "duplicate path charts"
    );
}

/// Text elements of the SVG charts that print a whole number with a ".0" (e.g. ">700.0<").
fn regex_lite_whole(html: &str) -> Vec<String> {
    html.split('>')
        .filter_map(|t| t.split('<').next())
        .filter(|t| {
            let t = t.trim().replace(',', "");
            t.ends_with(".0") && t[..t.len() - 2].chars().all(|c| c.is_ascii_digit()) && t.len() > 2
        })
        .map(String::from)
        .collect()
}

#[test]
fn backtest_section_and_coverage_checks() {
    // The shipped calibration run file: its checks hold the numbers of docs/projections.md.
    let out = innodex(&["check", "scenarios/rd-calibration.run.toml"]);
    assert!(
        out.status.success(),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    let t = text(&out.stdout);
    assert!(
        t.contains("0.613") && t.contains("0.817") && t.contains("0.935") && t.contains("0.828"),
        "{t}"
    );
    // A calibrated coverage check without `learn` origins is refused, naming the key's line.
    let d = tmp("run-backtest-bad");
    let f = write(
        &d,
        "bad.run.toml",
        r#"[run]
name = "bad"
plan = "linyi-2021-2025"

[backtest]
origins = [2020]
paths = 0

[[checks]]
kind = "coverage"
method = "log_linear"
level = 0.9
calibrated = true
at_least = 0.8
"#,
    );
    let out = innodex(&["check", s(&f)]);
    assert_eq!(out.status.code(), Some(2));
    let e = text(&out.stderr);
    assert!(
        e.contains("needs `learn` origins") && e.contains(":13: key `calibrated`"),
        "{e}"
    );
    // A rolling backtest alone: its uncalibrated coverage is checked, and the report has it.
    let f = write(
        &d,
        "ok.run.toml",
        r#"[run]
name = "ok"
plan = "linyi-2021-2025"

[backtest]
origins = [2019, 2020]
paths = 0

[[checks]]
kind = "coverage"
method = "linear"
level = 0.9
horizon = 1
at_most = 1.0
"#,
    );
    let out = innodex(&["run", s(&f), "--out", s(&d.join("out")), "--quiet"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v = report(&d.join("out"));
    assert_eq!(
        v["backtest"]["rolling"]["origins"],
        serde_json::json!([2019, 2020])
    );
    assert!(
        v["backtest"]["rolling"]["rows"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert_eq!(v["checks"][0]["passed"], true);
}

#[test]
fn a_run_file_sets_the_monte_carlo_size_limits() {
    // 4000 paths × 6 years × the simulated indicators is far above 1000 values: refused
    // before any work, naming the limit, exit 2.
    let d = tmp("mc-limits");
    let body = |limit: &str| {
        format!(
            "[run]\nname = \"limits\"\nplan = \"linyi-2021-2025\"\n\n[projection]\npaths = 4000\n{limit}\n"
        )
    };
    let f = write(&d, "small.run.toml", &body("max_values = 1000"));
    let out = innodex(&["check", s(&f)]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stdout));
    let err = text(&out.stderr);
    assert!(err.contains("above the limit of 1000"), "{err}");
    let f = write(&d, "buffer.run.toml", &body("max_buffer_bytes = 100"));
    let out = innodex(&["check", s(&f)]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("max_buffer_bytes"),
        "{}",
        text(&out.stderr)
    );
    // Raised limits (or none) run.
    let f = write(&d, "big.run.toml", &body("max_values = 100_000_000"));
    let out = innodex(&["check", s(&f)]);
    assert!(out.status.success(), "{}", text(&out.stderr));
}

#[test]
fn a_run_of_the_shandong_plan_uses_and_hashes_its_own_embedded_files() {
    // The inputs table hashed Linyi's plan file for any embedded plan, and a builtin plan other
    // than Linyi's could not use its shipped scenario set.
    let d = tmp("shandong-run");
    let f = write(
        &d,
        "sd.run.toml",
        "[run]\nname = \"sd\"\nplan = \"shandong-2022-2027\"\n[projection]\npaths = 2000\n\
         [[checks]]\nkind = \"probability_met\"\ntarget = \"rd_share\"\nscenario = \"baseline\"\nat_least = 0.5\n",
    );
    let out = innodex(&["run", s(&f), "--out", s(&d.join("out")), "--quiet"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let r = report(&d.join("out"));
    let input = |role: &str| input(&r, role);
    assert_eq!(input("plan")["path"], "embedded:shandong-2022-2027");
    assert_eq!(
        input("plan")["sha256"],
        sha256_hex("plans/shandong-2022-2027.toml")
    );
    assert_eq!(
        input("scenarios")["sha256"],
        sha256_hex("scenarios/shandong.toml")
    );
    assert_eq!(r["projection"]["set"], "shandong-2022-2027");
}

/// The SHA-256 of a file, in hexadecimal (as run reports record their inputs).
fn sha256_hex(path: &str) -> String {
    Sha256::digest(std::fs::read(path).unwrap())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The input of a run report with this role.
fn input<'a>(report: &'a serde_json::Value, role: &str) -> &'a serde_json::Value {
    let inputs = report["inputs"].as_array().unwrap();
    inputs
        .iter()
        .find(|i| i["role"] == role)
        .unwrap_or_else(|| panic!("no {role} in {inputs:?}"))
}
