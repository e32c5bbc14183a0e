namespace Stepwise.Cli.Tests;

/// <summary>
/// The batch commands' heap on 2 MiB pages: which mappings count as the collector's reservation (hostile and odd
/// /proc/self/maps included), and, in this very process, what preparing the heap changes and that the collector works on.
/// </summary>
public sealed class HeapPagesTests
{
    private const long MiB = 1L << 20;
    private const long Start = 0x7f0000000000;

    private static string Line(long from, long to, string perms = "---p", string inode = "0", string path = "") =>
        $"{from:x}-{to:x} {perms} 00000000 00:00 {inode}                          {path}".TrimEnd();

    /// <summary>The shape seen under the collector: its bookkeeping reservation below, then the heap's, committed here and there.</summary>
    private static List<string> Reservation(long range) =>
    [
        Line(0x400000, 0x1f31000, "r-xp", "1234", "/usr/bin/stepwise"),
        Line(Start - 458 * MiB, Start - 400 * MiB),
        Line(Start - 400 * MiB, Start - 399 * MiB, "rw-p"),
        Line(Start - 399 * MiB, Start),
        Line(Start, Start + 1 * MiB, "rw-p"),
        Line(Start + 1 * MiB, Start + 32 * MiB),
        Line(Start + 32 * MiB, Start + 33 * MiB, "rw-p"),
        Line(Start + 33 * MiB, Start + range),
        Line(Start + range, Start + range + 4096, "rw-p", "5678", "/usr/lib/libc.so.6"),
        Line(0x7ffd00000000, 0x7ffd00021000, "rw-p", "0", "[stack]"),
    ];

    [Fact]
    public void a_window_inside_the_collectors_reservation_is_within_it()
    {
        HeapPages.WithinReservation(Reservation(50L << 30), Start + 2 * MiB, Start + 2 * MiB + HeapPages.Window, 50L << 30).ShouldBeTrue();
    }

    [Fact]
    public void a_window_that_could_reach_past_the_reservations_end_is_not()
    {
        // The run starts 458 MiB below the heap (the bookkeeping reservation): a 600 MiB reservation may end before the window does.
        var range = 600 * MiB;
        HeapPages.WithinReservation(Reservation(range), Start + 2 * MiB, Start + 2 * MiB + HeapPages.Window, range).ShouldBeFalse();
        HeapPages.WithinReservation(Reservation(range), Start + 2 * MiB, Start + 2 * MiB + HeapPages.Window, 2 * range).ShouldBeTrue();
    }

    [Theory]
    [InlineData("r--p", "0", "")] // read-only: not the collector's
    [InlineData("rwxp", "0", "")] // executable
    [InlineData("rw-s", "0", "")] // shared
    [InlineData("rw-p", "4242", "/tmp/contract.json")] // a mapped file
    [InlineData("rw-p", "0", "[anon:someone else]")] // a named anonymous mapping
    public void a_mapping_that_is_not_the_heaps_inside_the_window_rules_it_out(string perms, string inode, string path)
    {
        var maps = Reservation(50L << 30);
        maps.Insert(7, Line(Start + 33 * MiB, Start + 34 * MiB, perms, inode, path));
        maps[8] = Line(Start + 34 * MiB, Start + (50L << 30));
        HeapPages.WithinReservation(maps, Start + 2 * MiB, Start + 2 * MiB + HeapPages.Window, 50L << 30).ShouldBeFalse();
    }

    [Fact]
    public void a_gap_inside_the_window_rules_it_out()
    {
        var maps = Reservation(50L << 30);
        maps[7] = Line(Start + 34 * MiB, Start + (50L << 30)); // 33-34 MiB unmapped
        HeapPages.WithinReservation(maps, Start + 2 * MiB, Start + 2 * MiB + HeapPages.Window, 50L << 30).ShouldBeFalse();
    }

    [Theory]
    [InlineData("")]
    [InlineData("garbage")]
    [InlineData("zz-yy ---p 00000000 00:00 0")]
    [InlineData("7f0000000000 ---p 00000000 00:00 0")]
    [InlineData("-7f0000000000 ---p 00000000 00:00 0")]
    [InlineData("7f0000400000-7f0000000000 ---p 00000000 00:00 0")] // reversed
    [InlineData("ffffffffffffffffffff-7f0000000000 ---p 00000000 00:00 0")] // overflows
    [InlineData("7f0000000000-7f0000400000 ---p")] // cut short
    public void a_line_not_in_the_kernels_format_rules_everything_out(string line)
    {
        var maps = Reservation(50L << 30);
        maps.Insert(5, line);
        HeapPages.WithinReservation(maps, Start + 2 * MiB, Start + 2 * MiB + HeapPages.Window, 50L << 30).ShouldBeFalse();
    }

    [Fact]
    public void a_window_outside_every_mapping_is_not_within_the_reservation()
    {
        HeapPages.WithinReservation(Reservation(50L << 30), 0x10000000, 0x10000000 + HeapPages.Window, 50L << 30).ShouldBeFalse();
        HeapPages.WithinReservation([], Start, Start + HeapPages.Window, 50L << 30).ShouldBeFalse();
    }

    [Fact]
    public void a_long_hostile_maps_file_is_read_in_one_pass()
    {
        // A million one-page mappings alternating with files: read once, rejected, no quadratic work or growth.
        var maps = Enumerable.Range(0, 1_000_000).Select(i => Line(Start + i * 4096L, Start + (i + 1) * 4096L, "---p", i % 2 == 0 ? "0" : "7"));
        HeapPages.WithinReservation(maps, Start + 2 * MiB, Start + 2 * MiB + HeapPages.Window, 50L << 30).ShouldBeFalse();
    }

    [Fact]
    public void in_this_process_the_first_part_of_the_heap_is_one_writable_mapping_advised_for_huge_pages_and_the_collector_works_on()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "Linux only");
        var setting = System.IO.File.ReadAllText("/sys/kernel/mm/transparent_hugepage/enabled");
        Assert.SkipWhen(setting.Contains("[never]", StringComparison.Ordinal), "transparent huge pages are switched off here");

        var start = HeapPages.Prepare().ShouldNotBeNull("the collector's reservation was not found");
        var end = start + HeapPages.Window;
        // Every mapping in the window: readable, writable, private, advised for huge pages ("hg"). The collector may
        // have given memory back (unmapped it) since, so only what is still the window's own is checked.
        var inWindow = Smaps().Where(m => m.From >= start && m.To <= end).ToList();
        inWindow.ShouldNotBeEmpty();
        inWindow.Where(m => m.Flags.Contains(" hg", StringComparison.Ordinal)).Sum(m => m.To - m.From).ShouldBeGreaterThan(HeapPages.Window / 2);
        inWindow.Where(m => m.Flags.Contains(" hg", StringComparison.Ordinal)).ShouldAllBe(m => m.Perms == "rw-p");

        // The collector allocates, moves and frees across the window as before.
        var kept = new List<byte[]>();
        for (var i = 0; i < 20_000; i++)
        {
            var array = new byte[4000];
            array[^1] = (byte)i;
            if (i % 4 == 0)
            {
                kept.Add(array);
            }
        }
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        kept.Select((a, i) => (int)a[^1] == (byte)(i * 4)).ShouldAllBe(ok => ok);
    }

    private static IEnumerable<(long From, long To, string Perms, string Flags)> Smaps()
    {
        (long, long, string)? current = null;
        foreach (var line in System.IO.File.ReadLines("/proc/self/smaps"))
        {
            if (line.StartsWith("VmFlags:", StringComparison.Ordinal) && current is var (from, to, perms))
            {
                yield return (from, to, perms, line);
                current = null;
            }
            else if (line.Length > 0 && char.IsAsciiHexDigit(line[0]) && line.IndexOf('-') is > 0 and var dash && line.IndexOf(' ') is var space && space > dash)
            {
                current = (Convert.ToInt64(line[..dash], 16), Convert.ToInt64(line[(dash + 1)..space], 16), line.Split(' ')[1]);
            }
        }
    }
}
