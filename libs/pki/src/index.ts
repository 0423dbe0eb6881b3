export { SLIPWAY_IDENTITIES, SPIFFE_TRUST_DOMAIN, isDnsName, spiffeIdOf, subjectNameOf, type SlipwayIdentity, type SubjectName } from "./names.js";
export {
  CLOCK_SKEW_MS,
  createCertificateAuthority,
  loadCertificateAuthority,
  type CertificateAuthority,
  type CertificateAuthorityOptions,
  type IssueOptions,
  type IssuedCertificate,
} from "./authority.js";
export { writeCertificateSet, type CertificateSet, type CertificateSetOptions, type KeyOwner } from "./certificate-set.js";
