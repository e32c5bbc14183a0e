using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Stepwise.Contracts;
using Stepwise.Core.Config;
using Stepwise.Core.Model;
using Stepwise.Core;
using Stepwise.Core.Fleet;
using Stepwise.Core.Guarantees;
using Stepwise.Core.Reconciling;
using Stepwise.Server.Http;
using Stepwise.Server.Reconciling;
using Stepwise.Server.Store;

namespace Stepwise.Server;

/// <summary>
/// One <c>stepwise server</c> process: Kestrel with the /api/v1 endpoints, the store, and the reconciler loop.
/// <c>await using var host = await ServerHost.BuildAsync(options); await host.RunAsync(ct);</c>
/// </summary>
public sealed class ServerHost : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly StateStore store;
    private readonly Leadership leadership;
    private readonly CancellationTokenSource stopping = new();
    private Task? loops;

    private ServerHost(WebApplication app, StateStore store, Leadership leadership, Reconciler reconciler, ServerRuntime runtime, string? adminToken)
    {
        this.app = app;
        this.store = store;
        this.leadership = leadership;
        Reconciler = reconciler;
        Runtime = runtime;
        AdminToken = adminToken;
    }

    public Reconciler Reconciler { get; }

    /// <summary>Whether this replica holds the leadership (its reconciler decides).</summary>
    public bool Leads => leadership.IsLeader;

    public ServerRuntime Runtime { get; }

    /// <summary>The admin token set up at start (from the token file or STEPWISE_ADMIN_TOKEN), when one was.</summary>
    public string? AdminToken { get; }

    /// <summary>The addresses Kestrel listens on (after start; port 0 resolved).</summary>
    public IReadOnlyList<string> Urls => app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.ToList() ?? [];

    /// <summary>
    /// Opens (and migrates) the store, loads <see cref="ServerOptions.ConfigFile"/> when given, sets up the admin
    /// token and builds the web application. Throws <see cref="ConfigException"/> for an invalid stepwise.yaml and
    /// <see cref="FormatException"/> for an invalid store URL.
    /// </summary>
    public static async Task<ServerHost> BuildAsync(ServerOptions options, IContractChecker[]? checkers = null, IDataPhaseRunner? dataRunner = null, CancellationToken cancellationToken = default)
    {
        var url = StoreUrl.Parse(options.Store);
        var store = await StateStore.OpenAsync(url, cancellationToken);
        try
        {
            var now = options.Time.GetUtcNow();
            if (options.ConfigFile is { } file)
            {
                var yaml = await File.ReadAllTextAsync(file, cancellationToken);
                EffectiveConfig.Build(yaml, file, await store.LoadReleasesAsync(cancellationToken), await store.LoadRetiredAsync(cancellationToken), 0); // throws ConfigException with file:line
                var stored = await store.LoadConfigAsync(cancellationToken);
                if (stored?.Yaml != yaml)
                {
                    await store.SaveConfigAsync(yaml, Path.GetFileName(file), now, new NewEvent("config-replaced", $"stepwise.yaml loaded from {Path.GetFileName(file)} at start-up", "config"), null, cancellationToken);
                }
            }
            var tokens = new Tokens(store);
            var admin = await tokens.BootstrapAdminAsync(options.AdminTokenFile, options.AdminToken, now, cancellationToken);

            var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = typeof(ServerHost).Assembly.GetName().Name });
            builder.WebHost.UseUrls(options.Urls);
            // The slim builder leaves HTTPS out: https:// addresses and Kestrel's certificate configuration need it.
            builder.WebHost.UseKestrelHttpsConfiguration();
            var certificate = ServerTls.Certificate(options, builder.Configuration);
            var clientCas = ServerTls.ClientCas(options);
            builder.WebHost.ConfigureKestrel(k =>
            {
                k.ConfigureHttpsDefaults(https =>
                {
                    if (certificate is not null)
                    {
                        https.ServerCertificate = certificate;
                    }
                    if (clientCas is not null)
                    {
                        // Mutual TLS: a connection without a certificate signed by one of the CAs fails its handshake.
                        https.ClientCertificateMode = Microsoft.AspNetCore.Server.Kestrel.Https.ClientCertificateMode.RequireCertificate;
                        https.ClientCertificateValidation = (presented, _, _) => Api.TlsTrust.ClientTrusted(presented, clientCas);
                    }
                });
                k.AddServerHeader = false;
                k.Limits.MaxRequestBodySize = options.MaxBodyBytes + 1L;
            });
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            builder.Logging.AddFilter("Stepwise", LogLevel.Information);
            // A failed start is reported by the caller in one line (stepwise server exits 2), not as a logged stack trace.
            builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.None);
            builder.Services.ConfigureHttpJsonOptions(json =>
            {
                json.SerializerOptions.PropertyNamingPolicy = SnapshotJson.Options.PropertyNamingPolicy;
                json.SerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
                foreach (var converter in SnapshotJson.Options.Converters)
                {
                    json.SerializerOptions.Converters.Add(converter);
                }
            });
            builder.Services.AddProblemDetails(p => p.CustomizeProblemDetails = c =>
            {
                if (c.ProblemDetails.Type is null or "" || c.ProblemDetails.Type.StartsWith("https://tools.ietf.org/", StringComparison.Ordinal))
                {
                    c.ProblemDetails.Type = Problems.TypeFor(c.ProblemDetails.Status ?? 500);
                }
                c.ProblemDetails.Detail ??= c.ProblemDetails.Status switch
                {
                    StatusCodes.Status405MethodNotAllowed => $"{c.HttpContext.Request.Method} is not allowed on {c.HttpContext.Request.Path}; docs/api.md lists each route's methods",
                    StatusCodes.Status415UnsupportedMediaType => $"the body is sent as '{c.HttpContext.Request.ContentType}'; send JSON with 'Content-Type: application/json'",
                    StatusCodes.Status404NotFound => $"no route {c.HttpContext.Request.Path}; docs/api.md lists the routes",
                    _ => null,
                };
            });
            builder.Services.AddOpenApi("v1");
            builder.Services.AddStepwiseRateLimits(options);
            builder.Services.AddExceptionHandler<FailureHandler>();
            // Heartbeats answered before the first tick see the stored node state, not a blank node.
            var nodes = new NodeTable();
            nodes.Load(await store.LoadNodesAsync(cancellationToken));
            var comparer = new ContractsComparer(checkers ?? ContractCheckers.Registered.Select(r => r.Create(new CheckerOptions(Clock: options.Time))).ToArray());
            var planner = new TickPlanner(nodes, new SampleCollector(), new Decider(GuaranteeSet.With(comparer))) { LivenessFrom = now };
            var runtime = new ServerRuntime(options, store, planner);
            runtime.Metrics.Watch(runtime);
            var leadership = new Leadership(store);
            builder.Services.AddSingleton(runtime);
            builder.Services.AddSingleton(tokens);
            builder.Services.AddSingleton(new Http.AuthFailures(options.Time));
            builder.Services.AddSingleton(leadership);
            builder.Services.AddSingleton<IDataPhaseRunner>(dataRunner ?? new DataLibraryRunner());
            builder.Services.AddSingleton(sp => new AlertWebhook(options.AlertWebhook, new HttpClient { Timeout = TimeSpan.FromSeconds(10) }, sp.GetRequiredService<ILogger<AlertWebhook>>()));
            builder.Services.AddSingleton(sp => new AlertmanagerClient(options.Alertmanagers, new HttpClient { Timeout = TimeSpan.FromSeconds(10) }, sp.GetRequiredService<ILogger<AlertmanagerClient>>()));
            builder.Services.AddSingleton(sp => new Analysis.PrometheusSampler(runtime, new HttpClient { Timeout = TimeSpan.FromSeconds(10) }, sp.GetRequiredService<ILogger<Analysis.PrometheusSampler>>()));
            builder.Services.AddSingleton<Reconciler>();
            builder.Services.AddSingleton<Http.DashboardFeed>();

            var app = builder.Build();
            var sampler = app.Services.GetRequiredService<Analysis.PrometheusSampler>();
            planner.Queried = sampler.Current;
            app.UseExceptionHandler();
            app.UseStatusCodePages();
            app.UseRouting();
            app.UseRateLimiter();
            app.UseMiddleware<AccessMiddleware>();
            app.MapOpenApi("/openapi/{documentName}.json").WithMetadata(new RequiresAccess(AccessLevel.Read));
            Endpoints.Map(app);

            await runtime.RefreshConfigAsync(cancellationToken);
            return new ServerHost(app, store, leadership, app.Services.GetRequiredService<Reconciler>(), runtime, admin);
        }
        catch
        {
            await store.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts listening and the loops (reconciler, alert webhook, Alertmanagers, Prometheus queries).</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        await app.StartAsync(cancellationToken);
        var webhook = app.Services.GetRequiredService<AlertWebhook>();
        var alertmanager = app.Services.GetRequiredService<AlertmanagerClient>();
        loops = Task.WhenAll(Runtime.Options.RunReconcilerLoop ? Reconciler.RunAsync(stopping.Token) : Task.CompletedTask,
            webhook.RunAsync(stopping.Token).ContinueWith(_ => { }, TaskScheduler.Default),
            alertmanager.RunAsync(stopping.Token).ContinueWith(_ => { }, TaskScheduler.Default),
            app.Services.GetRequiredService<Analysis.PrometheusSampler>().RunAsync(stopping.Token).ContinueWith(_ => { }, TaskScheduler.Default));
    }

    /// <summary>Runs until <paramref name="cancellationToken"/> is cancelled (or the host is stopped by a signal).</summary>
    public async Task RunAsync(CancellationToken cancellationToken = default)
    {
        await StartAsync(cancellationToken);
        var lifetime = app.Services.GetRequiredService<IHostApplicationLifetime>();
        var stopped = new TaskCompletionSource();
        using (cancellationToken.Register(() => stopped.TrySetResult()))
        using (lifetime.ApplicationStopping.Register(() => stopped.TrySetResult()))
        {
            await stopped.Task;
        }
        await StopAsync();
    }

    public async Task StopAsync()
    {
        await stopping.CancelAsync();
        if (loops is not null)
        {
            try
            {
                await loops;
            }
            catch (OperationCanceledException)
            {
                // stopping
            }
            loops = null;
        }
        await app.StopAsync();
        // No heartbeat comes in any more: what this replica took since its last tick goes to the store, so a restart
        // (or another replica) starts from the nodes as they last reported, not as of the last tick.
        await Reconciler.FlushOnStopAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await leadership.DisposeAsync();
        await app.DisposeAsync();
        await store.DisposeAsync();
        stopping.Dispose();
    }
}
