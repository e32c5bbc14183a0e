namespace Stepwise.Simulation;

/// <summary>The simulated traffic's random draws, shared by the heartbeats and the simulated Prometheus.</summary>
internal static class Draws
{
    /// <summary>A log-normal latency around <paramref name="medianMs"/> ms (Box-Muller for the normal draw), rounded to the microsecond.</summary>
    public static double Latency(Random random, double medianMs)
    {
        var z = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        return Math.Round(medianMs * Math.Exp(0.3 * z), 3);
    }

    /// <summary>Failed requests among <paramref name="requests"/> at <paramref name="rate"/>: Poisson (Knuth) when rare, normal otherwise.</summary>
    public static long Errors(Random random, long requests, double rate)
    {
        var mean = requests * rate;
        if (mean < 30)
        {
            var limit = Math.Exp(-mean);
            long k = 0;
            for (var p = random.NextDouble(); p > limit; p *= random.NextDouble())
            {
                k++;
            }
            return Math.Min(k, requests);
        }
        var z = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        return Math.Clamp((long)Math.Round(mean + z * Math.Sqrt(mean * (1 - rate))), 0, requests);
    }
}
