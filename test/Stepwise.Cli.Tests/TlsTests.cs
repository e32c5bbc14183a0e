using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Stepwise.Agent;
using Stepwise.Api;
using Stepwise.Core.Model;
using Stepwise.Server;

namespace Stepwise.Cli.Tests;

/// <summary>
/// HTTPS end to end on loopback with a throwaway CA made in the test: <c>stepwise server --tls-cert/--tls-key</c>
/// serves it; the CLI and the agent succeed with <c>--ca-file</c> and fail clearly without it.
/// </summary>
public sealed class TlsTests
{
    private const string Admin = "tls-admin-token-0123456789abcdefghij";

    /// <summary>A CA, and a server certificate it signed for 127.0.0.1 and localhost, written as PEM files.</summary>
    private static (string Dir, string Ca, string Cert, string Key, X509Certificate2 ServerCertificate) MakePki()
    {
        var dir = Stepwise.Testing.Scratch.Directory("stepwise-tls-");
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=Stepwise test CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        var now = DateTimeOffset.UtcNow;
        using var ca = caRequest.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));

        using var serverKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=stepwise-server", serverKey, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(System.Net.IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        using var signed = request.Create(ca, now.AddMinutes(-5), now.AddHours(12), [1, 2, 3, 4]);

        var caPath = Path.Combine(dir, "ca.pem");
        var certPath = Path.Combine(dir, "server.pem");
        var keyPath = Path.Combine(dir, "server.key");
        File.WriteAllText(caPath, ca.ExportCertificatePem());
        File.WriteAllText(Path.Combine(dir, "ca.key"), caKey.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(certPath, signed.ExportCertificatePem());
        File.WriteAllText(keyPath, serverKey.ExportPkcs8PrivateKeyPem());
        return (dir, caPath, certPath, keyPath, TlsTrust.LoadPair(certPath, keyPath, "--tls-cert"));
    }

    /// <summary>A client certificate for mutual TLS, signed by <paramref name="ca"/> (or self-signed when null).</summary>
    private static (string Cert, string Key) MakeClient(string dir, string name, X509Certificate2? ca)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], false));
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        var now = DateTimeOffset.UtcNow;
        using var signed = ca is null ? request.CreateSelfSigned(now.AddMinutes(-5), now.AddHours(12)) : request.Create(ca, now.AddMinutes(-5), now.AddHours(12), [5, 6, 7, 8]);
        var certPath = Path.Combine(dir, name + ".pem");
        var keyPath = Path.Combine(dir, name + ".key");
        File.WriteAllText(certPath, signed.ExportCertificatePem());
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
        return (certPath, keyPath);
    }

    [Fact]
    public async Task with_client_ca_only_clients_whose_certificate_the_ca_signed_get_through()
    {
        var pki = MakePki();
        using var ca = X509Certificate2.CreateFromPemFile(pki.Ca, pki.Ca.Replace("ca.pem", "ca.key", StringComparison.Ordinal));
        var agent = MakeClient(pki.Dir, "agent-n1", ca);
        var stranger = MakeClient(pki.Dir, "stranger", null);
        await using var host = await ServerHost.BuildAsync(new ServerOptions
        {
            Store = "sqlite:" + Path.Combine(pki.Dir, "mtls.db"),
            Urls = "https://127.0.0.1:0",
            TlsCertificateFile = pki.Cert,
            TlsKeyFile = pki.Key,
            TlsClientCaFile = pki.Ca,
            AdminToken = Admin,
        }, cancellationToken: TestContext.Current.CancellationToken);
        await host.StartAsync(TestContext.Current.CancellationToken);
        var url = new Uri(host.Urls[0]);

        using (var signed = new ApiClient(url, Admin, handler: TlsTrust.Handler(pki.Ca, agent.Cert, agent.Key)))
        {
            var answer = await signed.GetAsync<List<NodeView>>(Routes.Nodes, TestContext.Current.CancellationToken);
            answer.Ok.ShouldBeTrue(answer.Problem?.ToString());
        }
        foreach (var handler in new[] { TlsTrust.Handler(pki.Ca), TlsTrust.Handler(pki.Ca, stranger.Cert, stranger.Key) })
        {
            using var refused = new ApiClient(url, Admin, handler: handler);
            await Should.ThrowAsync<ApiConnectionException>(() => refused.GetAsync<List<NodeView>>(Routes.Nodes, TestContext.Current.CancellationToken));
        }
        // The CLI without a client certificate is refused at the handshake (exit 2); with the agent's, it gets through.
        Cli.Run("fleet", "--server", host.Urls[0], "--token", Admin, "--ca-file", pki.Ca).Exit.ShouldBe(ExitCodes.BadInput);
        var withCert = Cli.Run("fleet", "--server", host.Urls[0], "--token", Admin, "--ca-file", pki.Ca, "--client-cert", agent.Cert, "--client-key", agent.Key);
        withCert.Exit.ShouldBe(ExitCodes.Ok, withCert.Err);
        var keyless = Cli.Run("fleet", "--server", host.Urls[0], "--token", Admin, "--ca-file", pki.Ca, "--client-cert", agent.Cert);
        keyless.Exit.ShouldBe(ExitCodes.BadInput);
        keyless.Err.ShouldContain("--client-key");
    }

    [Fact]
    public async Task client_ca_on_a_plain_address_is_bad_input()
    {
        var pki = MakePki();
        var error = await Should.ThrowAsync<TlsSetupException>(() => ServerHost.BuildAsync(new ServerOptions
        {
            Store = "sqlite:" + Path.Combine(pki.Dir, "plain.db"),
            Urls = "http://127.0.0.1:0",
            TlsClientCaFile = pki.Ca,
            AdminToken = Admin,
        }, cancellationToken: TestContext.Current.CancellationToken));
        error.Message.ShouldContain("--client-ca");
        error.Message.ShouldContain("https://");
    }

    private static async Task<ServerHost> HttpsServerAsync(string dir, string cert, string key)
    {
        var host = await ServerHost.BuildAsync(new ServerOptions
        {
            Store = "sqlite:" + Path.Combine(dir, "stepwise.db"),
            Urls = "https://127.0.0.1:0",
            TlsCertificateFile = cert,
            TlsKeyFile = key,
            AdminToken = Admin,
            Tick = TimeSpan.FromMilliseconds(200),
        }, cancellationToken: TestContext.Current.CancellationToken);
        await host.StartAsync(TestContext.Current.CancellationToken);
        return host;
    }

    [Fact]
    public async Task the_cli_reaches_an_https_server_with_ca_file_and_fails_clearly_without_it()
    {
        var pki = MakePki();
        await using var host = await HttpsServerAsync(pki.Dir, pki.Cert, pki.Key);
        var url = host.Urls[0];
        url.ShouldStartWith("https://");

        var trusted = Cli.Run("fleet", "--server", url, "--token", Admin, "--ca-file", pki.Ca);
        trusted.Exit.ShouldBe(0, trusted.Err);

        var untrusted = Cli.Run("fleet", "--server", url, "--token", Admin);
        untrusted.Exit.ShouldBe(ExitCodes.BadInput);
        untrusted.Err.ShouldContain("--ca-file");
        untrusted.Err.ShouldContain("certificate");
    }

    [Fact]
    public async Task an_agent_heartbeats_over_https_with_ca_file_and_names_the_certificate_problem_without_it()
    {
        var pki = MakePki();
        await using var controller = await FakeController.StartAsync(pki.ServerCertificate);
        controller.Address.Scheme.ShouldBe("https");

        var lines = new List<string>();
        var options = new AgentOptions(controller.Address, FakeController.Token, "n1", "orders", Path.Combine(pki.Dir, "agent"),
            RequestTimeout: TimeSpan.FromSeconds(5), Handler: TlsTrust.Handler(pki.Ca));
        await using (var agent = new NodeAgent(options, lines.Add))
        {
            agent.Start();
            await agent.StepAsync(TestContext.Current.CancellationToken);
        }
        controller.Received.Count.ShouldBe(1, string.Join('\n', lines));

        var refused = new List<string>();
        await using (var agent = new NodeAgent(options with { Handler = null, StateDirectory = Path.Combine(pki.Dir, "agent2") }, refused.Add))
        {
            agent.Start();
            await agent.StepAsync(TestContext.Current.CancellationToken);
        }
        controller.Received.Count.ShouldBe(1);
        string.Join('\n', refused).ShouldContain("certificate");
    }

    [Fact]
    public void stepwise_agent_with_an_unreadable_ca_file_is_bad_input()
    {
        var (exit, _, err) = Cli.Run("agent", "--controller", "https://127.0.0.1:1", "--token", "t0123456789abcdef", "--node", "n1",
            "--service", "orders", "--ca-file", "no-such-ca.pem");
        exit.ShouldBe(ExitCodes.BadInput);
        err.ShouldContain("--ca-file no-such-ca.pem");
    }

    [Fact]
    public void stepwise_agent_reads_its_token_from_a_file_and_refuses_an_empty_one()
    {
        var empty = Cli.TempFile("\n", "agent.token");
        var (exit, _, err) = Cli.Run("agent", "--controller", "http://127.0.0.1:1", "--token-file", empty, "--node", "n1", "--service", "orders");
        exit.ShouldBe(ExitCodes.BadInput);
        err.ShouldContain($"--token-file {empty}: empty");
    }

    [Theory]
    [InlineData("https://127.0.0.1:0", null, null, "needs a certificate")]
    [InlineData("https://127.0.0.1:0", "cert", null, "go together")]
    [InlineData("https://127.0.0.1:0", "no-such.pem", "no-such.key", "--tls-cert no-such.pem")]
    public void stepwise_server_with_https_and_no_usable_certificate_is_bad_input(string urls, string? cert, string? key, string message)
    {
        var args = new List<string> { "server", "--urls", urls, "--store", "sqlite:" + Path.Combine(Stepwise.Testing.Scratch.Directory(), "s.db") };
        if (cert is not null)
        {
            args.AddRange(["--tls-cert", cert]);
        }
        if (key is not null)
        {
            args.AddRange(["--tls-key", key]);
        }
        var (exit, _, err) = Cli.Run([.. args]);
        exit.ShouldBe(ExitCodes.BadInput);
        err.ShouldContain(message);
    }
}
