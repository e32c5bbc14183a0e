namespace Stepwise.Server.Tests.Differential;

/// <summary>
/// The server the differential test drives, across controller restarts: stopped, then started again on the same store
/// (a new port); the agents' tokens, which live in the store, stay valid, and their clients follow the new address.
/// </summary>
internal sealed class LiveServer(TestServer first) : IAsyncDisposable
{
    private readonly Dictionary<string, HttpClient> clients = new(StringComparer.Ordinal);

    public TestServer? Server { get; private set; } = first;

    public string Store { get; } = first.Store;

    public string Directory { get; } = first.Directory;

    /// <summary>Each agent's token (and the telemetry token), by node id.</summary>
    public Dictionary<string, string> Tokens { get; } = new(StringComparer.Ordinal);

    /// <summary>A client of the running server with <paramref name="name"/>'s token.</summary>
    public HttpClient Agent(string name)
    {
        if (!clients.TryGetValue(name, out var client))
        {
            client = clients[name] = Server!.Client(Tokens[name]);
        }
        return client;
    }

    public async Task StopAsync()
    {
        DisposeClients();
        if (Server is not null)
        {
            await Server.DisposeAsync();
            Server = null;
        }
    }

    public void Start(TestServer server) => Server = server;

    public async ValueTask DisposeAsync() => await StopAsync();

    private void DisposeClients()
    {
        foreach (var client in clients.Values)
        {
            client.Dispose();
        }
        clients.Clear();
    }
}
