using System.Net;
using System.Text;

namespace Stepwise.Server.Tests;

/// <summary>
/// A loopback HTTP endpoint for the server to call (a webhook receiver, a stand-in Prometheus): every request's path and
/// body go to <c>answer</c>, whose status and optional JSON body are sent back. Stopped on dispose.
/// </summary>
public sealed class LoopbackListener : IDisposable
{
    private readonly HttpListener listener = new();
    private readonly Func<string, string, (int Status, string? Json)> answer;

    /// <param name="path">The path prefix to listen under, ending in '/'.</param>
    /// <param name="answer">(request path, request body) to (status, JSON body or null).</param>
    public LoopbackListener(string path, Func<string, string, (int Status, string? Json)> answer)
    {
        this.answer = answer;
        Url = new Uri($"http://127.0.0.1:{Stepwise.Testing.Scratch.FreePort()}{path}");
        listener.Prefixes.Add(Url.ToString());
        listener.Start();
        _ = Task.Run(LoopAsync);
    }

    public Uri Url { get; }

    private async Task LoopAsync()
    {
        while (listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync();
            }
            catch (Exception)
            {
                return;
            }
            using var reader = new StreamReader(context.Request.InputStream);
            var (status, json) = answer(context.Request.Url!.AbsolutePath, await reader.ReadToEndAsync());
            context.Response.StatusCode = status;
            if (json is not null)
            {
                context.Response.ContentType = "application/json";
                await context.Response.OutputStream.WriteAsync(Encoding.UTF8.GetBytes(json));
            }
            context.Response.Close();
        }
    }

    public void Dispose() => listener.Close();
}
