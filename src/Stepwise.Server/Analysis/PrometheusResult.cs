using System.Globalization;
using System.Text.Json;

namespace Stepwise.Server.Analysis;

/// <summary>
/// Reads a Prometheus HTTP API answer (<c>/api/v1/query</c>, <c>/api/v1/query_range</c>): the values of a scalar, a
/// vector or a matrix, in order. Values are strings in Prometheus' JSON ("1.5", "NaN", "+Inf"); those that are not
/// finite are dropped, as a stage's samples must be numbers. Hostile answers are refused with a reason, never trusted:
/// the body is bounded by the caller, the nesting by <see cref="JsonDocumentOptions.MaxDepth"/>, and the points by
/// <paramref name="maxPoints"/> (extra points are ignored).
/// </summary>
public static class PrometheusResult
{
    private static readonly JsonDocumentOptions Options = new() { MaxDepth = 16 };

    /// <summary>The finite values of the answer, or the reason it has none.</summary>
    public static (List<double>? Values, string? Error) Values(ReadOnlyMemory<byte> body, int maxPoints)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, Options);
        }
        catch (JsonException e)
        {
            return (null, $"the answer is not JSON ({e.Message})");
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("status", out var status) || status.ValueKind != JsonValueKind.String)
            {
                return (null, "the answer is not a Prometheus API answer (no status)");
            }
            if (status.GetString() != "success")
            {
                var type = Text(root, "errorType") ?? "error";
                var message = Text(root, "error") ?? "no message";
                return (null, $"{type}: {Clip(message)}");
            }
            if (!root.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Object)
            {
                return (null, "the answer has no data");
            }
            var values = new List<double>();
            var resultType = Text(data, "resultType");
            if (!data.TryGetProperty("result", out var result))
            {
                return (null, "the answer has no result");
            }
            switch (resultType)
            {
                case "scalar":
                    AddPoint(result, values);
                    break;
                case "vector" when result.ValueKind == JsonValueKind.Array:
                    foreach (var series in result.EnumerateArray())
                    {
                        if (values.Count >= maxPoints)
                        {
                            break;
                        }
                        if (series.ValueKind == JsonValueKind.Object && series.TryGetProperty("value", out var point))
                        {
                            AddPoint(point, values);
                        }
                    }
                    break;
                case "matrix" when result.ValueKind == JsonValueKind.Array:
                    foreach (var series in result.EnumerateArray())
                    {
                        if (series.ValueKind != JsonValueKind.Object || !series.TryGetProperty("values", out var points) || points.ValueKind != JsonValueKind.Array)
                        {
                            continue;
                        }
                        foreach (var point in points.EnumerateArray())
                        {
                            if (values.Count >= maxPoints)
                            {
                                break;
                            }
                            AddPoint(point, values);
                        }
                    }
                    break;
                case "string":
                    return (null, "the query returns a string, not numbers");
                default:
                    return (null, $"the answer's result type '{Clip(resultType ?? "none")}' is not scalar, vector or matrix");
            }
            return (values, null);
        }
    }

    /// <summary>Adds the value of one <c>[time, "value"]</c> pair when it is a finite number.</summary>
    private static void AddPoint(JsonElement point, List<double> values)
    {
        if (point.ValueKind == JsonValueKind.Array && point.GetArrayLength() == 2 && point[1].ValueKind == JsonValueKind.String &&
            double.TryParse(point[1].GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value))
        {
            values.Add(value);
        }
    }

    private static string? Text(JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static string Clip(string text) => text.Length > 300 ? text[..300] + "…" : text;
}
