//! Markdown tables for the terminal: the same cells, padded into aligned
//! columns with a rule under the header, so that a table reads as one in a
//! terminal instead of as ragged `| a | b |` text. A cell longer than
//! [`MAX_CELL`] characters (a claim's sentence) wraps within its column.
//! Files keep the Markdown.

/// The widest a column gets before its cells wrap onto more lines.
pub const MAX_CELL: usize = 40;

/// Rewrites every Markdown table in `text` as aligned columns (two spaces
/// between them, numbers and text left-aligned as written); other lines
/// pass through unchanged.
pub fn aligned(text: &str) -> String {
    let mut out = String::new();
    let mut table: Vec<Vec<String>> = Vec::new();
    for line in text.split_inclusive('\n') {
        let bare = line.trim_end_matches('\n');
        if bare.starts_with('|') && bare.ends_with('|') {
            table.push(cells(bare));
            continue;
        }
        flush(&mut table, &mut out);
        out.push_str(line);
    }
    flush(&mut table, &mut out);
    out
}

/// The cells of `| a | b \| c |`, unescaped.
fn cells(line: &str) -> Vec<String> {
    let inner = &line[1..line.len() - 1];
    let mut cells = vec![String::new()];
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'|') => {
                cells.last_mut().expect("one cell").push('|');
                chars.next();
            }
            '|' => cells.push(String::new()),
            _ => cells.last_mut().expect("one cell").push(c),
        }
    }
    cells.iter().map(|c| c.trim().replace("**", "")).collect()
}

fn flush(table: &mut Vec<Vec<String>>, out: &mut String) {
    // The |---|---| line is a Markdown device; a rule replaces it.
    let rows: Vec<&Vec<String>> = table
        .iter()
        .filter(|r| {
            !r.iter()
                .all(|c| !c.is_empty() && c.chars().all(|x| x == '-' || x == ':'))
        })
        .collect();
    if rows.is_empty() {
        table.clear();
        return;
    }
    let columns = rows.iter().map(|r| r.len()).max().unwrap_or(0);
    let width = |j: usize| {
        rows.iter()
            .filter_map(|r| r.get(j))
            .map(|c| c.chars().count())
            .max()
            .unwrap_or(0)
    };
    let widths: Vec<usize> = (0..columns).map(|j| width(j).min(MAX_CELL)).collect();
    for (i, r) in rows.iter().enumerate() {
        let wrapped: Vec<Vec<String>> = (0..columns)
            .map(|j| wrap(r.get(j).map_or("", String::as_str), widths[j]))
            .collect();
        let height = wrapped.iter().map(Vec::len).max().unwrap_or(1);
        for k in 0..height {
            let line: Vec<String> = (0..columns)
                .map(|j| {
                    let c = wrapped[j].get(k).map_or("", String::as_str);
                    format!("{c:<w$}", w = widths[j])
                })
                .collect();
            out.push_str(line.join("  ").trim_end());
            out.push('\n');
        }
        if i == 0 {
            let rule: Vec<String> = widths.iter().map(|w| "─".repeat(*w)).collect();
            out.push_str(&rule.join("  "));
            out.push('\n');
        }
    }
    table.clear();
}

/// `cell` in lines of at most `width` characters, broken at spaces (a
/// longer word stays whole).
fn wrap(cell: &str, width: usize) -> Vec<String> {
    if cell.chars().count() <= width {
        return vec![cell.to_string()];
    }
    let mut lines = vec![String::new()];
    for word in cell.split(' ') {
        let last = lines.last_mut().expect("one line");
        let len = last.chars().count();
        if len > 0 && len + 1 + word.chars().count() > width {
            lines.push(word.to_string());
        } else {
            if len > 0 {
                last.push(' ');
            }
            last.push_str(word);
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::{MAX_CELL, aligned};

    #[test]
    fn a_long_cell_wraps_within_its_column() {
        let claim =
            "Retrying with full jitter recovers users sooner than retrying at once during a spike";
        let md = format!("| claim | verdict |\n|---|---|\n| {claim} | refuted |\n");
        let text = aligned(&md);
        let widest = text.lines().map(|l| l.chars().count()).max().unwrap();
        assert!(widest <= MAX_CELL + 2 + "verdict".len(), "{text}");
        // Every word is still there, in order, and the verdict is on the
        // row's first line.
        let words: Vec<&str> = text.split_whitespace().collect();
        assert!(words.windows(2).any(|w| w == ["during", "a"]), "{text}");
        assert!(text.lines().nth(2).unwrap().ends_with("refuted"), "{text}");
    }

    #[test]
    fn a_markdown_table_becomes_aligned_columns() {
        let md = "intro\n| policy | p99 |\n|---|---|\n| no-retry | 5.0 ± 0.1 s |\n| exp \\| jitter | 17.25 s |\nafter\n";
        assert_eq!(
            aligned(md),
            "intro\npolicy        p99\n────────────  ───────────\nno-retry      5.0 ± 0.1 s\nexp | jitter  17.25 s\nafter\n"
        );
    }

    #[test]
    fn text_without_tables_is_unchanged() {
        let t = "no table here\n| only a pipe at the start\n";
        assert_eq!(aligned(t), t);
    }
}
