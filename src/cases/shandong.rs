//! The Shandong case: the province's 2022 plan for science and technology innovation (R&D
//! intensity 2.8 % and high-tech output about 53 % of industrial output by 2027), with the real
//! Shandong series.

case_files!(shandong, "shandong-2022-2027", "shandong.toml");
