using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Stepwise.Api;

/// <summary>
/// How agents and the CLI reach a Stepwise server over HTTPS: the system's trusted roots, or the CA certificates of
/// a PEM file (<c>--ca-file</c>) for a server whose certificate a private CA signed; optionally a client certificate
/// (mutual TLS). The host name is always checked.
/// </summary>
public static class TlsTrust
{
    /// <summary>A handler trusting <paramref name="caFile"/>'s certificates (null: the system's), presenting the client certificate if given.</summary>
    public static SocketsHttpHandler Handler(string? caFile, string? clientCertFile = null, string? clientKeyFile = null)
    {
        var handler = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
        if (caFile is not null)
        {
            var roots = LoadCa(caFile);
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                Trusted(certificate as X509Certificate2, errors, roots);
        }
        if (clientCertFile is not null || clientKeyFile is not null)
        {
            if (clientCertFile is null || clientKeyFile is null)
            {
                throw new TlsSetupException("a client certificate needs both --client-cert and --client-key (PEM files)");
            }
            handler.SslOptions.ClientCertificates = [LoadPair(clientCertFile, clientKeyFile, "--client-cert")];
        }
        return handler;
    }

    /// <summary>Whether a server certificate chains to one of <paramref name="roots"/> (or the system's roots) and names the host.</summary>
    public static bool Trusted(X509Certificate2? certificate, SslPolicyErrors errors, X509Certificate2Collection roots)
    {
        if (errors == SslPolicyErrors.None)
        {
            return true;
        }
        if (certificate is null || errors != SslPolicyErrors.RemoteCertificateChainErrors)
        {
            return false; // no certificate, or it does not name the host
        }
        return ChainsTo(certificate, roots, usage: null);
    }

    /// <summary>Whether a client's certificate (mutual TLS) chains to one of <paramref name="roots"/> and is meant for client authentication.</summary>
    public static bool ClientTrusted(X509Certificate2? certificate, X509Certificate2Collection roots)
    {
        return certificate is not null && ChainsTo(certificate, roots, usage: "1.3.6.1.5.5.7.3.2"); // client authentication
    }

    /// <summary>Whether <paramref name="certificate"/> chains to one of <paramref name="roots"/> (and allows <paramref name="usage"/>, an extended key usage OID).</summary>
    private static bool ChainsTo(X509Certificate2 certificate, X509Certificate2Collection roots, string? usage)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (usage is not null)
        {
            chain.ChainPolicy.ApplicationPolicy.Add(new System.Security.Cryptography.Oid(usage));
        }
        return chain.Build(certificate);
    }

    /// <summary>The certificates of a PEM file; a clear error when it has none or can't be read.</summary>
    public static X509Certificate2Collection LoadCa(string caFile, string option = "--ca-file")
    {
        var roots = new X509Certificate2Collection();
        try
        {
            roots.ImportFromPemFile(caFile);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException or ArgumentException)
        {
            throw new TlsSetupException($"{option} {caFile}: cannot read a PEM certificate from it ({e.Message})");
        }
        if (roots.Count == 0)
        {
            throw new TlsSetupException($"{option} {caFile}: no certificate in it; give the PEM file of the CA that signed the {(option == "--ca-file" ? "server's certificate" : "clients' certificates")}");
        }
        return roots;
    }

    /// <summary>A certificate and its private key from two PEM files.</summary>
    public static X509Certificate2 LoadPair(string certFile, string keyFile, string option)
    {
        try
        {
            using var pem = X509Certificate2.CreateFromPemFile(certFile, keyFile);
            // A certificate whose key came from PEM is exported and re-imported so that TLS on every platform can use the key.
            return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException or ArgumentException)
        {
            throw new TlsSetupException($"{option} {certFile} with key {keyFile}: {e.Message.TrimEnd('.')}; give a PEM certificate and its PEM private key");
        }
    }
}

/// <summary>A TLS file that can't be used (bad input: the message names the option, the file and the fix).</summary>
public sealed class TlsSetupException(string message) : Exception(message);
