using System.Diagnostics;

namespace Stepwise.Cli.Tests;

/// <summary>
/// A backfill killed mid-way (SIGKILL of the stepwise process) resumes at the last committed batch: every row is
/// backfilled exactly once. The backfill increments customers.hits, so a row done twice would show hits = 2.
/// </summary>
public sealed class KillAndResumeTests
{
    [Fact]
    public async Task a_backfill_killed_mid_way_resumes_and_backfills_every_row_exactly_once()
    {
        var ct = TestContext.Current.CancellationToken;
        var (url, cs, drop) = await CliDatabases.NewPostgresAsync();
        try
        {
            const int rows = 20_000;
            await CliDatabases.Exec(cs, $"CREATE TABLE customers (id bigint PRIMARY KEY, email text, hits integer NOT NULL DEFAULT 0); INSERT INTO customers (id, email) SELECT g, 'c' || g || '@x' FROM generate_series(1, {rows}) g");
            var config = CliDatabases.RenameConfig(CliDatabases.TempDir(), batchSize: 200, pause: "20ms");
            var stdout = new StringWriter();
            StepwiseCli.Run(["data", "apply", "customer-contact-email", "--store", url, "--config", config, "--phase", "expand"], stdout, stdout).ShouldBe(0, stdout.ToString());

            var cli = Path.Combine(AppContext.BaseDirectory, "stepwise.dll");
            var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            foreach (var a in new[] { cli, "data", "apply", "customer-contact-email", "--store", url, "--config", config, "--phase", "backfill" })
            {
                start.ArgumentList.Add(a);
            }
            using var child = Process.Start(start)!;
            _ = child.StandardOutput.ReadToEndAsync(ct);
            _ = child.StandardError.ReadToEndAsync(ct);
            // Kill it once some batches are committed and well before the last one.
            long done = 0;
            for (var i = 0; i < 600 && done < 2_000 && !child.HasExited; i++)
            {
                await Task.Delay(50, ct);
                done = await CliDatabases.Long(cs, "SELECT coalesce((SELECT rows_done FROM stepwise_data_phase WHERE phase = 1), 0)");
            }
            child.HasExited.ShouldBeFalse("the backfill finished before it could be killed");
            child.Kill(entireProcessTree: true);
            await child.WaitForExitAsync(ct);

            var committed = await CliDatabases.Long(cs, "SELECT rows_done FROM stepwise_data_phase WHERE phase = 1");
            committed.ShouldBeLessThan(rows);
            (await CliDatabases.Long(cs, "SELECT state FROM stepwise_data_phase WHERE phase = 1")).ShouldBe(1);
            // Exactly the committed batches are done: nothing half-done, nothing twice.
            (await CliDatabases.Long(cs, "SELECT count(*) FROM customers WHERE hits = 1")).ShouldBe(committed);
            (await CliDatabases.Long(cs, "SELECT count(*) FROM customers WHERE hits > 1")).ShouldBe(0);

            var resume = new StringWriter();
            StepwiseCli.Run(["data", "apply", "customer-contact-email", "--store", url, "--config", config, "--phase", "backfill", "--format", "json"], resume, resume).ShouldBe(0, resume.ToString());

            (await CliDatabases.Long(cs, "SELECT count(*) FROM customers WHERE hits = 1")).ShouldBe(rows);
            (await CliDatabases.Long(cs, "SELECT count(*) FROM customers WHERE hits <> 1")).ShouldBe(0);
            (await CliDatabases.Long(cs, "SELECT count(*) FROM customers WHERE contact_email IS DISTINCT FROM email")).ShouldBe(0);
            (await CliDatabases.Long(cs, "SELECT rows_done FROM stepwise_data_phase WHERE phase = 1")).ShouldBe(rows);
        }
        finally
        {
            await drop();
        }
    }
}
