//! Certificates for the TLS engine, made fresh for each start: a CA, the
//! engine's certificate for 127.0.0.1 and localhost, and a client
//! certificate, each side in a folder of its own laid out as `docker` and
//! `dockerd` expect (`ca.pem`, `cert.pem`, `key.pem`).

use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};

use crate::Failure;

/// Writes the engine's material into `server` and the client's into
/// `client`, both signed by one new CA.
pub fn write(server: &Path, client: &Path) -> Result<(), Failure> {
    let mut ca = CertificateParams::new(Vec::<String>::new())?;
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    ca.distinguished_name
        .push(DnType::CommonName, "dockhand TLS engine CA");
    let ca = CertifiedIssuer::self_signed(ca, KeyPair::generate()?)?;
    let sides = [
        (
            server,
            vec!["127.0.0.1".to_string(), "localhost".to_string()],
            ExtendedKeyUsagePurpose::ServerAuth,
        ),
        (client, Vec::new(), ExtendedKeyUsagePurpose::ClientAuth),
    ];
    for (folder, names, usage) in sides {
        let key = KeyPair::generate()?;
        let mut params = CertificateParams::new(names)?;
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![usage];
        let cert = params.signed_by(&key, &ca)?;
        std::fs::create_dir_all(folder)?;
        std::fs::write(folder.join("ca.pem"), ca.pem())?;
        std::fs::write(folder.join("cert.pem"), cert.pem())?;
        std::io::Write::write_all(
            &mut std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(folder.join("key.pem"))?,
            key.serialize_pem().as_bytes(),
        )?;
    }
    Ok(())
}
