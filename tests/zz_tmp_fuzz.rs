mod support;
#[test]
fn truncations() {
    let mut n = 0;
    for entry in std::fs::read_dir("tests/check").unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let mut cuts: Vec<usize> = (0..=text.len())
            .filter(|i| text.is_char_boundary(*i))
            .collect();
        if cuts.len() > 600 {
            cuts = cuts.into_iter().step_by(3).collect();
        }
        for cut in cuts {
            let _ = support::compile_str(&text[..cut]);
            // drop a char in the middle too
            let mut t2 = text.clone();
            if cut < t2.len() {
                t2.remove(cut);
            }
            let _ = support::compile_str(&t2);
            n += 1;
        }
    }
    println!("ran {n}");
}
