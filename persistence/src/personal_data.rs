//! The vault for households' personal data (the head's name, ID number and phone), which
//! PIPL wants kept encrypted at rest.
//!
//! A value is sealed with AES-256-GCM under a fresh random 96-bit nonce, with a context
//! naming its row and field (e.g. `household/<uuid>/head_name`) as associated data, so
//! a sealed value copied to another row or field does not open. It is stored as text:
//! `<key id>:<base64 (standard alphabet, no padding) of nonce || ciphertext || tag>`.
//! The key id (8 hex characters derived from the key) says which key sealed it.
//!
//! Rotation: start with the new key as the current one and the old keys as previous
//! ones. New values are sealed under the current key; old values still open under
//! whichever key their id names, and can be re-sealed at leisure; a previous key can be
//! dropped once no value carries its id.
//!
//! ID numbers also get a blind index, an HMAC-SHA256 under a key derived from the vault
//! key, so duplicates can be found with an equality lookup and nothing decrypted. The
//! index depends on the key: after a rotation look up every index from `blind_indexes`
//! until the rows are re-indexed. Callers normalise values (e.g. upper-case the final
//! `X` of an ID number) before indexing.

use std::fmt;
use std::path::{Path, PathBuf};

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::Aes256Gcm;
use base64::engine::general_purpose::{
    GeneralPurpose, GeneralPurposeConfig, STANDARD, STANDARD_NO_PAD,
};
use base64::engine::DecodePaddingMode;
use base64::{alphabet, Engine as _};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

/// Bytes of an AES-GCM nonce.
const NONCE_LEN: usize = 12;
/// Bytes of an AES-GCM tag.
const TAG_LEN: usize = 16;
/// Characters of a key id.
const KEY_ID_LEN: usize = 8;

const KEY_ID_LABEL: &[u8] = b"zhenxing/pii/key-id";
const BLIND_INDEX_LABEL: &[u8] = b"zhenxing/pii/blind-index";
/// Derives the subkey of request fingerprints (`Vault::fingerprint`).
const FINGERPRINT_LABEL: &[u8] = b"zhenxing/idempotency/fingerprint";
const KEY_ADVICE: &str = "generate one with `openssl rand -base64 32`";

/// Standard base64, accepting input with or without padding.
const LENIENT_BASE64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// A 256-bit key.
#[derive(Clone)]
pub struct PiiKey([u8; 32]);

impl PiiKey {
    /// Standard base64 (with or without padding; surrounding whitespace ignored) of
    /// exactly 32 bytes.
    pub fn from_base64(text: &str) -> Result<PiiKey, String> {
        decode_key(text)
            .map(PiiKey)
            .map_err(|problem| format!("PII_KEY {problem}; {KEY_ADVICE}"))
    }

    /// Standard base64 with padding, as `openssl rand -base64 32` prints it.
    pub fn to_base64(&self) -> String {
        STANDARD.encode(self.0)
    }

    /// 32 random bytes from the operating system.
    ///
    /// # Panics
    /// If the operating system's generator fails (as `rand` does everywhere).
    pub fn generate() -> PiiKey {
        use rand::TryRngCore as _;
        let mut bytes = [0u8; 32];
        rand::rngs::OsRng.unwrap_err().fill_bytes(&mut bytes);
        PiiKey(bytes)
    }

    /// The key's id: 8 lower-case hex characters, the first 4 bytes of
    /// HMAC-SHA256(key, "zhenxing/pii/key-id"). Stable for a key, and reveals nothing
    /// useful about it.
    pub fn id(&self) -> String {
        let mut mac = hmac_sha256(&self.0);
        mac.update(KEY_ID_LABEL);
        hex(&mac.finalize().into_bytes()[..KEY_ID_LEN / 2])
    }
}

impl fmt::Debug for PiiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PiiKey").field("id", &self.id()).finish()
    }
}

/// Why a key's text is not a key (completes "PII_KEY …" or "<file> …").
fn decode_key(text: &str) -> Result<[u8; 32], String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("is empty: it must be base64 of 32 bytes".to_owned());
    }
    let bytes = LENIENT_BASE64
        .decode(text)
        .map_err(|e| format!("is not valid base64 ({e}): it must be base64 of 32 bytes"))?;
    <[u8; 32]>::try_from(bytes.as_slice())
        .map_err(|_| format!("must be base64 of 32 bytes (it decodes to {})", bytes.len()))
}

/// Why a sealed value does not open.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VaultError {
    /// Sealed under a key this vault does not hold (the key id).
    #[error("sealed under unknown key {0}: configure that key as a previous key")]
    UnknownKey(String),
    /// Not a sealed value at all (or its contents are not text).
    #[error("not a sealed value")]
    Malformed,
    /// Altered, sealed for another context (row or field), or for another key with the
    /// same id.
    #[error("sealed value fails authentication: altered, or sealed for another field")]
    Tampered,
}

/// One key, ready to use.
struct VaultKey {
    id: String,
    bytes: [u8; 32],
    cipher: Aes256Gcm,
    /// HMAC-SHA256 already keyed with the blind-index subkey; cloned for each value.
    index_mac: Hmac<Sha256>,
    /// HMAC-SHA256 keyed with the request-fingerprint subkey.
    fingerprint_mac: Hmac<Sha256>,
}

impl VaultKey {
    fn new(key: &PiiKey) -> VaultKey {
        let mut derive = hmac_sha256(&key.0);
        derive.update(BLIND_INDEX_LABEL);
        let subkey: [u8; 32] = derive.finalize().into_bytes().into();
        let mut derive = hmac_sha256(&key.0);
        derive.update(FINGERPRINT_LABEL);
        let fingerprint_key: [u8; 32] = derive.finalize().into_bytes().into();
        VaultKey {
            id: key.id(),
            bytes: key.0,
            cipher: Aes256Gcm::new(&key.0.into()),
            index_mac: hmac_sha256(&subkey),
            fingerprint_mac: hmac_sha256(&fingerprint_key),
        }
    }

    fn blind_index(&self, value: &str) -> String {
        let mut mac = self.index_mac.clone();
        mac.update(value.as_bytes());
        hex(&mac.finalize().into_bytes())
    }
}

/// Seals and opens personal values; computes blind indexes.
pub struct Vault {
    /// The current key first, then the previous ones (distinct keys only).
    keys: Vec<VaultKey>,
}

impl Vault {
    /// `current` seals; `previous` only open (for values sealed before a rotation).
    pub fn new(current: PiiKey, previous: Vec<PiiKey>) -> Vault {
        let mut keys: Vec<VaultKey> = Vec::with_capacity(1 + previous.len());
        for key in std::iter::once(&current).chain(&previous) {
            if !keys.iter().any(|known| known.bytes == key.0) {
                keys.push(VaultKey::new(key));
            }
        }
        Vault { keys }
    }

    fn current(&self) -> &VaultKey {
        // `new` always puts the current key first.
        &self.keys[0]
    }

    /// The id of the key that seals.
    pub fn current_key_id(&self) -> &str {
        &self.current().id
    }

    /// Seals `plaintext` under the current key with a fresh random 96-bit nonce, binding
    /// `context` (e.g. `household/<uuid>/head_name`) as associated data. Returns
    /// `<key id>:<base64 standard no-pad of nonce || ciphertext || tag>`.
    ///
    /// # Panics
    /// Only beyond AES-GCM's limit of 64 GiB of plaintext.
    pub fn seal(&self, plaintext: &str, context: &str) -> String {
        let key = self.current();
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        let payload = Payload {
            msg: plaintext.as_bytes(),
            aad: context.as_bytes(),
        };
        let ciphertext = match key.cipher.encrypt(&nonce.into(), payload) {
            Ok(ciphertext) => ciphertext,
            Err(_) => panic!("AES-GCM refused {} bytes of plaintext", plaintext.len()),
        };
        let mut body = Vec::with_capacity(NONCE_LEN + ciphertext.len());
        body.extend_from_slice(&nonce);
        body.extend_from_slice(&ciphertext);
        let mut sealed = String::with_capacity(KEY_ID_LEN + 1 + (body.len() * 4).div_ceil(3));
        sealed.push_str(&key.id);
        sealed.push(':');
        STANDARD_NO_PAD.encode_string(&body, &mut sealed);
        sealed
    }

    /// Opens a sealed value with whichever known key its key id names, checking that it
    /// was sealed for `context`.
    pub fn open(&self, sealed: &str, context: &str) -> Result<String, VaultError> {
        let key_id = Self::key_id_of(sealed).ok_or(VaultError::Malformed)?;
        let body = STANDARD_NO_PAD
            .decode(&sealed[KEY_ID_LEN + 1..])
            .map_err(|_| VaultError::Malformed)?;
        if body.len() < NONCE_LEN + TAG_LEN {
            return Err(VaultError::Malformed);
        }
        let (nonce, ciphertext) = body.split_at(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| VaultError::Malformed)?;
        let mut candidates = self.keys.iter().filter(|key| key.id == key_id).peekable();
        if candidates.peek().is_none() {
            return Err(VaultError::UnknownKey(key_id.to_owned()));
        }
        // Two distinct keys may share an id (1 in 2^32): try each; the tag tells.
        let plaintext = candidates
            .find_map(|key| {
                let payload = Payload {
                    msg: ciphertext,
                    aad: context.as_bytes(),
                };
                key.cipher.decrypt(&nonce.into(), payload).ok()
            })
            .ok_or(VaultError::Tampered)?;
        String::from_utf8(plaintext).map_err(|_| VaultError::Malformed)
    }

    /// The id of the key a sealed value was sealed with (None if it is not a sealed
    /// value).
    pub fn key_id_of(sealed: &str) -> Option<&str> {
        let (key_id, body) = sealed.split_once(':')?;
        let well_formed = key_id.len() == KEY_ID_LEN
            && key_id
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
            && !body.is_empty();
        well_formed.then_some(key_id)
    }

    /// Blind index of a value (an ID number) under the current key: lower-case hex of
    /// HMAC-SHA256(subkey, value), subkey = HMAC-SHA256(key, "zhenxing/pii/blind-index").
    /// 64 characters.
    pub fn blind_index(&self, value: &str) -> String {
        self.current().blind_index(value)
    }

    /// A keyed hash of a request (method, path, query, body) for the idempotency
    /// table. Bodies may carry clear ID numbers and phones; an unkeyed hash of them in
    /// the database would let anyone with a copy confirm a guess, so it is keyed like
    /// the blind index (a subkey of the current `PII_KEY`, with its own label).
    pub fn fingerprint(&self, parts: &[&[u8]]) -> String {
        let mut mac = self.current().fingerprint_mac.clone();
        for part in parts {
            // Length-prefixed, so that no two different splits hash alike.
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part);
        }
        hex(&mac.finalize().into_bytes())
    }

    /// The blind index under every known key, the current one first: to find values
    /// indexed before a rotation.
    pub fn blind_indexes(&self, value: &str) -> Vec<String> {
        self.keys.iter().map(|key| key.blind_index(value)).collect()
    }
}

impl fmt::Debug for Vault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let previous: Vec<&str> = self.keys[1..].iter().map(|key| key.id.as_str()).collect();
        f.debug_struct("Vault")
            .field("current", &self.current_key_id())
            .field("previous", &previous)
            .finish()
    }
}

/// HMAC-SHA256 keyed with 32 bytes. HMAC pads a key shorter than the hash's block with
/// zeros (RFC 2104), so this is the block-sized key `key || 0…` given to the infallible
/// constructor (the slice one returns a `Result` that cannot fail).
fn hmac_sha256(key: &[u8; 32]) -> Hmac<Sha256> {
    let mut block = [0u8; 64];
    block[..32].copy_from_slice(key);
    <Hmac<Sha256> as KeyInit>::new(&block.into())
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut text = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        text.push(char::from(DIGITS[usize::from(b >> 4)]));
        text.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    text
}

// --- The embedded default's key file ---------------------------------------------

/// Where the embedded (SQLite) default keeps a generated key: `<database file>.pii-key`.
pub fn key_file_path(sqlite_db: &Path) -> PathBuf {
    let mut path = sqlite_db.as_os_str().to_owned();
    path.push(".pii-key");
    PathBuf::from(path)
}

/// Reads a key file: `Ok(None)` if there is none, an error if it cannot be read or does
/// not hold a key.
pub fn read_key_file(path: &Path) -> Result<Option<PiiKey>, String> {
    match std::fs::read_to_string(path) {
        Ok(text) => decode_key(&text)
            .map(|bytes| Some(PiiKey(bytes)))
            .map_err(|problem| format!("{}: {problem}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}

/// Writes a new key file, readable by its owner only. Never overwrites: an existing
/// file is an error (values may be sealed under the key it holds).
pub fn write_key_file(path: &Path, key: &PiiKey) -> Result<(), String> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let write = || -> std::io::Result<()> {
        let mut file = options.open(path)?;
        file.write_all(key.to_base64().as_bytes())?;
        file.write_all(b"\n")?;
        // Values are sealed under the key as soon as it is returned: make it durable.
        file.sync_all()
    };
    write().map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => {
            format!(
                "{}: already exists, and a key file is never overwritten",
                path.display()
            )
        }
        _ => format!("{}: {e}", path.display()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: u8) -> PiiKey {
        PiiKey([byte; 32])
    }

    fn vault() -> Vault {
        Vault::new(key(1), Vec::new())
    }

    const CONTEXT: &str = "household/0190a4c2-7d1e-7000-8000-000000000001/head_name";

    #[test]
    fn seals_and_opens_ascii_and_chinese() {
        let vault = vault();
        for text in ["Zhang Wei", "张伟", "110101199003071234", "13800138000", ""] {
            let sealed = vault.seal(text, CONTEXT);
            assert!(!sealed.contains(text) || text.is_empty());
            assert_eq!(vault.open(&sealed, CONTEXT).unwrap(), text);
        }
    }

    #[test]
    fn sealed_text_has_the_documented_format() {
        let vault = vault();
        let sealed = vault.seal("张伟", CONTEXT);
        let (id, body) = sealed.split_once(':').unwrap();
        assert_eq!(id, key(1).id());
        assert_eq!(Vault::key_id_of(&sealed), Some(id));
        let body = STANDARD_NO_PAD.decode(body).unwrap();
        assert_eq!(body.len(), NONCE_LEN + "张伟".len() + TAG_LEN);
        assert!(!sealed.ends_with('='));
    }

    #[test]
    fn two_seals_of_the_same_text_differ() {
        let vault = vault();
        let a = vault.seal("张伟", CONTEXT);
        let b = vault.seal("张伟", CONTEXT);
        assert_ne!(a, b);
        assert_eq!(
            vault.open(&a, CONTEXT).unwrap(),
            vault.open(&b, CONTEXT).unwrap()
        );
    }

    #[test]
    fn another_context_does_not_open() {
        let vault = vault();
        let sealed = vault.seal("张伟", CONTEXT);
        let other_row = "household/0190a4c2-7d1e-7000-8000-000000000002/head_name";
        let other_field = "household/0190a4c2-7d1e-7000-8000-000000000001/phone";
        assert_eq!(vault.open(&sealed, other_row), Err(VaultError::Tampered));
        assert_eq!(vault.open(&sealed, other_field), Err(VaultError::Tampered));
    }

    #[test]
    fn a_flipped_byte_does_not_open() {
        let vault = vault();
        let sealed = vault.seal("110101199003071234", CONTEXT);
        let (id, body) = sealed.split_once(':').unwrap();
        let body = STANDARD_NO_PAD.decode(body).unwrap();
        for i in 0..body.len() {
            let mut altered = body.clone();
            altered[i] ^= 0x01;
            let altered = format!("{id}:{}", STANDARD_NO_PAD.encode(&altered));
            assert_eq!(
                vault.open(&altered, CONTEXT),
                Err(VaultError::Tampered),
                "byte {i}"
            );
        }
    }

    #[test]
    fn malformed_values_are_told_apart() {
        let vault = vault();
        let id = vault.current_key_id().to_owned();
        for bad in [
            "".to_owned(),
            "plain text".to_owned(),
            format!("{id}:"),
            format!("{id}:not base64!"),
            format!(
                "{id}:{}",
                STANDARD_NO_PAD.encode([0u8; NONCE_LEN + TAG_LEN - 1])
            ),
            format!(
                "{}:{}",
                id.to_uppercase(),
                STANDARD_NO_PAD.encode([0u8; 40])
            ),
            format!("{id}0:{}", STANDARD_NO_PAD.encode([0u8; 40])),
        ] {
            assert_eq!(
                vault.open(&bad, CONTEXT),
                Err(VaultError::Malformed),
                "{bad:?}"
            );
        }
        assert_eq!(Vault::key_id_of("plain text"), None);
        assert_eq!(Vault::key_id_of(&format!("{id}:")), None);
        // Padded base64 is not what `seal` writes.
        let sealed = vault.seal("张伟", CONTEXT);
        let padding = "=".repeat((4 - (sealed.len() - KEY_ID_LEN - 1) % 4) % 4);
        if !padding.is_empty() {
            let padded = format!("{sealed}{padding}");
            assert_eq!(vault.open(&padded, CONTEXT), Err(VaultError::Malformed));
        }
    }

    #[test]
    fn text_that_is_not_utf8_is_malformed() {
        let vault = vault();
        let current = vault.current();
        let nonce = [7u8; NONCE_LEN];
        let payload = Payload {
            msg: &[0xff, 0xfe][..],
            aad: CONTEXT.as_bytes(),
        };
        let ciphertext = current.cipher.encrypt(&nonce.into(), payload).unwrap();
        let body = [&nonce[..], &ciphertext].concat();
        let sealed = format!("{}:{}", current.id, STANDARD_NO_PAD.encode(body));
        assert_eq!(vault.open(&sealed, CONTEXT), Err(VaultError::Malformed));
    }

    #[test]
    fn an_unknown_key_id_is_named() {
        let sealed = Vault::new(key(2), Vec::new()).seal("张伟", CONTEXT);
        assert_eq!(
            vault().open(&sealed, CONTEXT),
            Err(VaultError::UnknownKey(key(2).id()))
        );
    }

    #[test]
    fn rotation_opens_old_values_and_seals_with_the_new_key() {
        let old = Vault::new(key(1), Vec::new());
        let sealed_before = old.seal("张伟", CONTEXT);
        let rotated = Vault::new(key(2), vec![key(1)]);
        assert_eq!(rotated.current_key_id(), key(2).id());
        assert_eq!(rotated.open(&sealed_before, CONTEXT).unwrap(), "张伟");
        let sealed_after = rotated.seal("张伟", CONTEXT);
        assert_eq!(Vault::key_id_of(&sealed_after), Some(key(2).id().as_str()));
        assert_eq!(Vault::key_id_of(&sealed_before), Some(key(1).id().as_str()));
        assert_eq!(rotated.open(&sealed_after, CONTEXT).unwrap(), "张伟");
        // The old vault cannot open what the new key sealed.
        assert_eq!(
            old.open(&sealed_after, CONTEXT),
            Err(VaultError::UnknownKey(key(2).id()))
        );
    }

    #[test]
    fn keys_sharing_an_id_are_each_tried() {
        let vault = Vault::new(key(1), vec![key(2)]);
        let sealed = Vault::new(key(2), Vec::new()).seal("张伟", CONTEXT);
        // Pretend key 2's value carries key 1's id: only a matching id is tried.
        let relabelled = format!("{}{}", key(1).id(), &sealed[KEY_ID_LEN..]);
        assert_eq!(vault.open(&relabelled, CONTEXT), Err(VaultError::Tampered));
        assert_eq!(vault.open(&sealed, CONTEXT).unwrap(), "张伟");
    }

    #[test]
    fn key_ids_are_8_hex_and_stable() {
        let id = key(1).id();
        assert_eq!(id.len(), 8);
        assert!(id
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
        assert_eq!(id, key(1).clone().id());
        assert_ne!(id, key(2).id());
    }

    #[test]
    fn infallible_hmac_keying_matches_the_slice_constructor() {
        let key = [0x5au8; 32];
        let mut ours = hmac_sha256(&key);
        ours.update(b"message");
        let mut theirs = <Hmac<Sha256> as KeyInit>::new_from_slice(&key).unwrap();
        theirs.update(b"message");
        assert_eq!(ours.finalize().into_bytes(), theirs.finalize().into_bytes());
    }

    #[test]
    fn blind_index_is_a_deterministic_keyed_hash() {
        let vault = vault();
        let a = vault.blind_index("110101199003071234");
        assert_eq!(a, vault.blind_index("110101199003071234"));
        assert_eq!(a.len(), 64);
        assert!(a
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
        assert_ne!(a, vault.blind_index("110101199003071235"));
        assert_ne!(
            a,
            Vault::new(key(2), Vec::new()).blind_index("110101199003071234")
        );
        // Definition: HMAC(HMAC(key, label), value).
        let mut derive = <Hmac<Sha256> as KeyInit>::new_from_slice(&[1u8; 32]).unwrap();
        derive.update(BLIND_INDEX_LABEL);
        let subkey = derive.finalize().into_bytes();
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&subkey).unwrap();
        mac.update(b"110101199003071234");
        assert_eq!(a, hex(&mac.finalize().into_bytes()));
    }

    #[test]
    fn blind_indexes_list_the_current_key_first() {
        let rotated = Vault::new(key(2), vec![key(1), key(3)]);
        let value = "110101199003071234";
        assert_eq!(
            rotated.blind_indexes(value),
            vec![
                Vault::new(key(2), Vec::new()).blind_index(value),
                Vault::new(key(1), Vec::new()).blind_index(value),
                Vault::new(key(3), Vec::new()).blind_index(value),
            ]
        );
        assert_eq!(rotated.blind_indexes(value)[0], rotated.blind_index(value));
        // A key given twice counts once.
        assert_eq!(
            Vault::new(key(2), vec![key(2), key(1)])
                .blind_indexes(value)
                .len(),
            2
        );
    }

    #[test]
    fn keys_read_from_base64() {
        let key = PiiKey::generate();
        let text = key.to_base64();
        assert_eq!(text.len(), 44);
        assert_eq!(PiiKey::from_base64(&text).unwrap().0, key.0);
        let unpadded = text.trim_end_matches('=');
        assert_eq!(PiiKey::from_base64(unpadded).unwrap().0, key.0);
        assert_eq!(
            PiiKey::from_base64(&format!("  {text}\n")).unwrap().0,
            key.0
        );
        assert_ne!(PiiKey::generate().0, key.0);
    }

    #[test]
    fn bad_keys_are_explained() {
        let bad_base64 = PiiKey::from_base64("not base64 at all!").unwrap_err();
        assert!(
            bad_base64.contains("PII_KEY is not valid base64"),
            "{bad_base64}"
        );
        assert!(
            bad_base64.contains("openssl rand -base64 32"),
            "{bad_base64}"
        );
        let short = PiiKey::from_base64(&STANDARD.encode([0u8; 16])).unwrap_err();
        assert_eq!(
            short,
            "PII_KEY must be base64 of 32 bytes (it decodes to 16); \
             generate one with `openssl rand -base64 32`"
        );
        let long = PiiKey::from_base64(&STANDARD.encode([0u8; 33])).unwrap_err();
        assert!(long.contains("(it decodes to 33)"), "{long}");
        let empty = PiiKey::from_base64("  \n").unwrap_err();
        assert!(empty.contains("PII_KEY is empty"), "{empty}");
    }

    #[test]
    fn debug_shows_key_ids_only() {
        let key = PiiKey::generate();
        let secret = key.to_base64();
        let shown = format!(
            "{key:?} {:?}",
            Vault::new(key.clone(), vec![PiiKey::generate()])
        );
        assert!(!shown.contains(&secret));
        assert!(!shown.contains(secret.trim_end_matches('=')));
        assert!(shown.contains(&key.id()), "{shown}");
        assert!(!shown.contains(&format!("{:?}", key.0)), "{shown}");
    }

    #[test]
    fn key_files_are_written_once_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("zhenxing.db");
        let path = key_file_path(&db);
        assert_eq!(path, dir.path().join("zhenxing.db.pii-key"));
        assert!(read_key_file(&path).unwrap().is_none());

        let key = PiiKey::generate();
        write_key_file(&path, &key).unwrap();
        assert_eq!(read_key_file(&path).unwrap().unwrap().0, key.0);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }

        let refused = write_key_file(&path, &PiiKey::generate()).unwrap_err();
        assert!(refused.contains("already exists"), "{refused}");
        assert_eq!(read_key_file(&path).unwrap().unwrap().0, key.0);

        std::fs::write(&path, "short\n").unwrap();
        let invalid = read_key_file(&path).unwrap_err();
        assert!(invalid.contains("zhenxing.db.pii-key"), "{invalid}");
        assert!(invalid.contains("32 bytes"), "{invalid}");
    }
}
