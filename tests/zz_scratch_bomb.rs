use std::io::Write;
#[test]
fn t() {
    let t0 = std::time::Instant::now();
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let o = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated).compression_level(Some(1));
    w.start_file("x", o).unwrap();
    let unit = "<row><c><v>1</v></c></row>".repeat(40000);
    let mut n = 0u64;
    while n < 256 << 20 { w.write_all(unit.as_bytes()).unwrap(); n += unit.len() as u64; }
    let out = w.finish().unwrap().into_inner();
    eprintln!("{} MiB -> {} bytes in {:?}", n>>20, out.len(), t0.elapsed());
}
