using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Stepwise.Api;
using Stepwise.Core.Model;

namespace Stepwise.Server.Http;

/// <summary>Reads request bodies under a size limit; too large → 413 problem, malformed → 400 problem naming where.</summary>
public static class Bodies
{
    public static async Task<(byte[]? Bytes, IResult? Error)> ReadAsync(HttpContext context, int maxBytes)
    {
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = maxBytes + 1L;
        }
        if (context.Request.ContentLength is { } length && length > maxBytes)
        {
            return (null, Problems.TooLarge($"the body has {length} bytes; this endpoint accepts at most {maxBytes}"));
        }
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await context.Request.Body.ReadAsync(chunk, context.RequestAborted)) > 0)
            {
                if (buffer.Length + read > maxBytes)
                {
                    return (null, Problems.TooLarge($"the body is larger than {maxBytes} bytes, the most this endpoint accepts"));
                }
                buffer.Write(chunk, 0, read);
            }
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, Problems.TooLarge($"the body is larger than {maxBytes} bytes, the most this endpoint accepts"));
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status408RequestTimeout)
        {
            return (null, Problems.Of(StatusCodes.Status408RequestTimeout, ProblemTypes.Timeout, "request timeout",
                "the request body arrived too slowly (under the server's minimum data rate); send it at a steady rate"));
        }
        return (buffer.ToArray(), null);
    }

    public static async Task<(T? Value, IResult? Error)> ReadJsonAsync<T>(HttpContext context, int maxBytes, bool allowEmpty = false, JsonSerializerOptions? options = null)
        where T : class
    {
        if (context.Request.ContentType is { Length: > 0 } type && !IsJson(type))
        {
            return (null, Problems.Of(StatusCodes.Status415UnsupportedMediaType, ProblemTypes.UnsupportedMediaType, "unsupported media type",
                $"the body is sent as '{type}'; send JSON with 'Content-Type: application/json'"));
        }
        var (bytes, error) = await ReadAsync(context, maxBytes);
        if (error is not null)
        {
            return (null, error);
        }
        if (bytes!.Length == 0)
        {
            return allowEmpty ? (null, null) : (null, Problems.BadRequest($"the body is empty; send a JSON {typeof(T).Name} object"));
        }
        try
        {
            var value = JsonSerializer.Deserialize<T>(bytes, options ?? SnapshotJson.Options);
            return value is null ? (null, Problems.BadRequest($"the body is null; send a JSON {typeof(T).Name} object")) : (value, null);
        }
        catch (JsonException e)
        {
            var where = e.Path is { Length: > 1 } path ? $" at {path}" : "";
            var line = (e.LineNumber ?? 0) + 1;
            var message = e.Message;
            var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
            if (cut > 0)
            {
                message = message[..cut];
            }
            return (null, Problems.BadRequest($"invalid {typeof(T).Name} JSON{where} (line {line}): {message}"));
        }
    }

    private static bool IsJson(string contentType)
    {
        var media = contentType.Split(';')[0].Trim();
        return media.Equals("application/json", StringComparison.OrdinalIgnoreCase) || media.EndsWith("+json", StringComparison.OrdinalIgnoreCase);
    }

    public static async Task<(string? Text, IResult? Error)> ReadTextAsync(HttpContext context, int maxBytes)
    {
        var (bytes, error) = await ReadAsync(context, maxBytes);
        if (error is not null)
        {
            return (null, error);
        }
        try
        {
            return (new UTF8Encoding(false, true).GetString(bytes!), null);
        }
        catch (DecoderFallbackException)
        {
            return (null, Problems.BadRequest("the body is not UTF-8 text"));
        }
    }
}
