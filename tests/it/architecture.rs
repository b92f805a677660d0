//! The import graph between top-level modules of `src/` has no circle (issue 10).
//!
//! Reads every `.rs` file under `src/`, collects the `crate::NAME` paths it uses (in `use`
//! declarations, grouped `crate::{a, b}` imports and inline paths), and fails on a cycle between
//! top-level modules, naming each edge of it with a file that makes it. `lib.rs` and `main.rs`
//! are the crate's roots and stand above every module.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::harness::{Test, trial};

pub(crate) fn tests() -> Vec<Test> {
    vec![
        trial!(top_level_modules_import_each_other_without_a_circle),
        trial!(the_engine_imports_no_capability),
        trial!(the_reader_finds_grouped_and_inline_paths_and_ignores_comments),
    ]
}

/// Top-level module → modules it uses → one file that does.
type Graph = BTreeMap<String, BTreeMap<String, PathBuf>>;

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src/ is readable") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a file belongs to (`src/load/engine.rs` → `load`), or None for the
/// crate roots.
fn module_of(src: &Path, file: &Path) -> Option<String> {
    let relative = file.strip_prefix(src).expect("under src");
    let first = relative.components().next()?.as_os_str().to_str()?;
    let name = first.strip_suffix(".rs").unwrap_or(first);
    (name != "lib" && name != "main").then(|| name.to_owned())
}

/// Text without comments and string literals, so a doc comment naming `crate::x` is no edge.
fn code_only(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '/' if chars.peek() == Some(&'/') => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        out.push('\n');
                        break;
                    }
                }
            }
            '/' if chars.peek() == Some(&'*') => {
                let mut previous = ' ';
                for c in chars.by_ref() {
                    if previous == '*' && c == '/' {
                        break;
                    }
                    previous = c;
                }
            }
            '"' => {
                let mut escaped = false;
                for c in chars.by_ref() {
                    if c == '"' && !escaped {
                        break;
                    }
                    escaped = c == '\\' && !escaped;
                }
                out.push_str("\"\"");
            }
            _ => out.push(c),
        }
    }
    out
}

/// Every top-level module named after `crate::` in `code`.
fn used_modules(code: &str) -> BTreeSet<String> {
    let mut used = BTreeSet::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        let preceded_by_ident = rest[..at]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphanumeric() || c == '_');
        rest = &rest[at + "crate::".len()..];
        if preceded_by_ident {
            continue;
        }
        if let Some(group) = rest.strip_prefix('{') {
            // `crate::{a, b::c, d::{e, f}}`: the first name of each top-level item.
            let mut depth = 0;
            let mut item_start = true;
            for (index, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => {
                        rest = &group[index..];
                        break;
                    }
                    '}' => depth -= 1,
                    ',' if depth == 0 => item_start = true,
                    c if item_start && (c.is_alphanumeric() || c == '_') => {
                        let name: String = group[index..]
                            .chars()
                            .take_while(|c| c.is_alphanumeric() || *c == '_')
                            .collect();
                        used.insert(name);
                        item_start = false;
                    }
                    _ => {}
                }
            }
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                used.insert(name);
            }
        }
    }
    used
}

fn import_graph() -> Graph {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let modules: BTreeSet<String> = files.iter().filter_map(|f| module_of(&src, f)).collect();
    let mut graph = Graph::new();
    for file in &files {
        let Some(from) = module_of(&src, file) else {
            continue;
        };
        let text = std::fs::read_to_string(file).expect("readable source");
        let edges = graph.entry(from.clone()).or_default();
        for to in used_modules(&code_only(&text)) {
            if to != from && modules.contains(&to) {
                edges
                    .entry(to)
                    .or_insert_with(|| file.strip_prefix(&src).expect("under src").to_owned());
            }
        }
    }
    graph
}

/// One cycle through the graph, as its modules in order, if there is any.
fn find_cycle(graph: &Graph) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &Graph,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(start) = path.iter().position(|n| n == node) {
            return Some(path[start..].to_vec());
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_owned());
        for next in graph.get(node).into_iter().flat_map(BTreeMap::keys) {
            if let Some(cycle) = visit(next, graph, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|node| visit(node, graph, &mut Vec::new(), &mut done))
}

fn top_level_modules_import_each_other_without_a_circle() {
    let graph = import_graph();
    if let Some(cycle) = find_cycle(&graph) {
        let edges: Vec<String> = cycle
            .iter()
            .zip(cycle.iter().cycle().skip(1))
            .map(|(from, to)| format!("  {from} -> {to}   (src/{})", graph[from][to].display()))
            .collect();
        panic!(
            "the top-level modules of src/ import each other in a circle:\n{}\nmove what both \
             need below both (see docs/architecture.md, \"Layout\")",
            edges.join("\n")
        );
    }
}

fn the_engine_imports_no_capability() {
    let graph = import_graph();
    let engine = graph.get("engine").expect("src/engine exists");
    for capability in [
        "scaffold", "migrate", "service", "load", "mock", "report", "nodes",
    ] {
        assert!(
            !engine.contains_key(capability),
            "src/engine imports crate::{capability} (src/{}): the engine is below every \
             capability; register node kinds in src/nodes.rs",
            engine[capability].display()
        );
    }
}

fn the_reader_finds_grouped_and_inline_paths_and_ignores_comments() {
    let code = code_only(
        "use crate::{engine::{Node, Step}, exit_code};\n// crate::load in a comment\n\
         let x = crate::manifest::load(\"crate::mock\");\n/* crate::report */ fn f(){}",
    );
    let used: Vec<String> = used_modules(&code).into_iter().collect();
    assert_eq!(used, ["engine", "exit_code", "manifest"]);
    let mut graph = Graph::new();
    graph
        .entry("a".into())
        .or_default()
        .insert("b".into(), "a.rs".into());
    graph
        .entry("b".into())
        .or_default()
        .insert("a".into(), "b.rs".into());
    assert_eq!(
        find_cycle(&graph),
        Some(vec!["a".to_owned(), "b".to_owned()])
    );
}
