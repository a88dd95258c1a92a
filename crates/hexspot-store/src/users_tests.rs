use super::*;

#[test]
fn roles_parse_and_print_as_stored() {
    for r in Role::ALL {
        assert_eq!(r.as_str().parse::<Role>(), Ok(r));
    }
    assert_eq!(
        "admin".parse::<Role>(),
        Err(UnknownRole("admin".to_owned()))
    );
    assert!("Analyst".parse::<Role>().is_err());
}

#[test]
fn user_names_are_checked() {
    for ok in ["alice", "a", "bob.smith", "x_1-2", "p@wyca", "9lives"] {
        assert_eq!(UserName::try_from(ok).unwrap().as_str(), ok);
    }
    let long = "a".repeat(65);
    for bad in [
        "",
        "-alice",
        ".x",
        "al ice",
        "al\nice",
        "élodie",
        long.as_str(),
    ] {
        assert!(UserName::try_from(bad).is_err(), "{bad:?}");
    }
    assert!(UserName::try_from("a".repeat(64).as_str()).is_ok());
}

#[test]
fn a_token_is_32_random_bytes_in_base64url_and_never_debug_printed() {
    let a = Token::generate().unwrap();
    let b = Token::generate().unwrap();
    assert_ne!(a.expose(), b.expose());
    let body = a.expose().strip_prefix(TOKEN_PREFIX).unwrap();
    assert_eq!(URL_SAFE_NO_PAD.decode(body).unwrap().len(), 32);
    assert_eq!(format!("{a:?}"), "Token(…)");
    assert!(!format!("{:?}", a.hash()).contains(&a.hash().to_hex()));
}

#[test]
fn a_token_hash_is_the_sha256_of_its_text() {
    // SHA-256("abc"), FIPS 180-2 appendix B.1
    assert_eq!(
        TokenHash::of("abc").to_hex(),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    let h = TokenHash::of("hxs_x");
    assert_eq!(TokenHash::from_hex(&h.to_hex()), Some(h));
    assert_ne!(TokenHash::of("hxs_y"), h);
    assert_eq!(TokenHash::from_hex("zz"), None);
}
