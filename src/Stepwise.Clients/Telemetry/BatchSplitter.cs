using System.Buffers;
using System.Text.Json;
using Stepwise.Clients.Wire;

namespace Stepwise.Clients.Telemetry;

/// <summary>Cuts drained counts into bodies the server accepts: at most 5,000 entries and 1 MiB each.</summary>
internal static class BatchSplitter
{
    // Room left in each body for the envelope's numbers growing (dropped up to 10^12) and for the commas.
    private const int Margin = 64;

    public static List<List<CallCount>> Split(List<CallCount> calls, TelemetryBatch envelope, int maxEntries = StepwiseProtocol.MaxCallsPerBatch, int maxBytes = StepwiseProtocol.MaxBatchBytes)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        var empty = Measure(buffer, envelope with { Calls = [], Dropped = StepwiseProtocol.MaxDropped });
        var budget = maxBytes - empty - Margin;
        var bodies = new List<List<CallCount>>();
        var current = new List<CallCount>();
        var size = 0;
        foreach (var call in calls)
        {
            var entry = Measure(buffer, call) + 1; // and its comma
            if (current.Count > 0 && (current.Count >= maxEntries || size + entry > budget))
            {
                bodies.Add(current);
                current = [];
                size = 0;
            }
            current.Add(call);
            size += entry;
        }
        if (current.Count > 0)
        {
            bodies.Add(current);
        }
        return bodies;
    }

    private static int Measure<T>(ArrayBufferWriter<byte> buffer, T value)
    {
        buffer.ResetWrittenCount();
        using var writer = new Utf8JsonWriter(buffer);
        JsonSerializer.Serialize(writer, value, (System.Text.Json.Serialization.Metadata.JsonTypeInfo<T>)ClientsJson.Default.GetTypeInfo(typeof(T))!);
        writer.Flush();
        return buffer.WrittenCount;
    }
}
