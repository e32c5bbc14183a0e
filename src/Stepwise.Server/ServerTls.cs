using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Configuration;
using Stepwise.Api;

namespace Stepwise.Server;

/// <summary>
/// HTTPS for <c>stepwise server</c>: the certificate of <c>--tls-cert</c>/<c>--tls-key</c> (PEM) for every https://
/// address of <c>--urls</c>, or Kestrel's own configuration (<c>Kestrel__Certificates__Default__Path</c> ...).
/// An https:// address with neither is bad input, before anything listens.
/// </summary>
public static class ServerTls
{
    public static X509Certificate2? Certificate(ServerOptions options, IConfiguration configuration)
    {
        if (options.TlsCertificateFile is not null || options.TlsKeyFile is not null)
        {
            if (options.TlsCertificateFile is null || options.TlsKeyFile is null)
            {
                throw new TlsSetupException("--tls-cert and --tls-key go together: give the server's PEM certificate and its PEM private key");
            }
            return TlsTrust.LoadPair(options.TlsCertificateFile, options.TlsKeyFile, "--tls-cert");
        }
        var https = Addresses(options.Urls)
            .Any(u => u.StartsWith("https://", StringComparison.OrdinalIgnoreCase));
        if (https && !configuration.GetSection("Kestrel:Certificates:Default").Exists())
        {
            throw new TlsSetupException($"--urls {options.Urls}: an https:// address needs a certificate: give --tls-cert CERT.pem --tls-key KEY.pem (or Kestrel__Certificates__Default__Path and __KeyPath)");
        }
        return null;
    }

    /// <summary>
    /// Mutual TLS (<c>--client-ca</c>): the CAs that sign client certificates, or null when clients need none. It needs an
    /// https:// address, since a plain http:// one could not ask for a certificate.
    /// </summary>
    public static X509Certificate2Collection? ClientCas(ServerOptions options)
    {
        if (options.TlsClientCaFile is null)
        {
            return null;
        }
        var plain = Addresses(options.Urls)
            .Where(u => !u.StartsWith("https://", StringComparison.OrdinalIgnoreCase)).ToList();
        if (plain.Count > 0)
        {
            throw new TlsSetupException($"--client-ca needs every address of --urls to be https:// ({string.Join(", ", plain)} is not): a plain address cannot ask for a client certificate");
        }
        return TlsTrust.LoadCa(options.TlsClientCaFile, "--client-ca");
    }

    /// <summary>The addresses of <c>--urls</c> (separated by ';').</summary>
    private static string[] Addresses(string urls) => urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>Whether every address of <paramref name="urls"/> that is plain http:// is on loopback (true: nothing travels in cleartext off the machine).</summary>
    public static bool CleartextOnlyOnLoopback(string urls) =>
        Addresses(urls)
            .Where(u => u.StartsWith("http://", StringComparison.OrdinalIgnoreCase))
            .All(u => Uri.TryCreate(u.Replace("://+", "://0.0.0.0", StringComparison.Ordinal).Replace("://*", "://0.0.0.0", StringComparison.Ordinal), UriKind.Absolute, out var uri)
                && (uri.IsLoopback || uri.Host == "localhost"));
}
