using System.Globalization;
using System.Runtime.InteropServices;

namespace Stepwise.Cli;

/// <summary>
/// Lets the garbage-collected heap of a batch command (compat, lint-sql) be backed by 2 MiB pages, on Linux.
/// <para>
/// Such a command allocates some 80 MB in well under a second, and every 4 KiB page the heap touches for the first time
/// costs a page fault: on a virtual machine about 12 µs each, 15,000 faults and more than a third of the process's CPU
/// time for GitHub's API description. A transparent huge page is one fault and one 2 MiB clear instead of 512 faults.
/// </para>
/// <para>
/// Linux gives those pages to a mapping that asks for them (<c>madvise(MADV_HUGEPAGE)</c>, which the default
/// "madvise" setting requires) only where one readable, writable mapping covers the whole aligned 2 MiB. The collector
/// reserves its heap inaccessible and makes it accessible 64 KiB at a time as it grows, each step with its own
/// core-dump flag, so no 2 MiB stretch is ever one mapping when first touched. This makes the start of the heap
/// readable, writable and dumpable ahead (the protection and flag the collector gives each step anyway) and asks
/// for huge pages there. Nothing is touched: memory is taken only where the collector writes.
/// </para>
/// <para>
/// It changes only the collector's own reservation: from the lower of the regions a fresh pinned and a fresh small
/// object are in, and no further than the reservation's size (the collector's GCRegionRange setting) from the start of
/// the run of anonymous mappings that holds them in /proc/self/maps, each either inaccessible or readable and
/// writable. With regions off, on any other shape, or on any failed call, it changes nothing. The collector still
/// hands out only memory it made accessible itself, and memory it gives back is unmapped as before.
/// </para>
/// </summary>
internal static class HeapPages
{
    /// <summary>How much of the heap is prepared, from its first region: compat on GitHub's API description uses about 130 MiB of it.</summary>
    internal const long Window = 256L << 20;

    private const long MiB = 1L << 20;
    private const long HugePage = 2 * MiB;

    private const int ProtRead = 1;
    private const int ProtWrite = 2;
    private const int MadvDoDump = 17;
    private const int MadvHugePage = 14;

    /// <summary>Prepares the heap; returns the start of the window given huge pages (<see cref="Window"/> bytes), or null when none was.</summary>
    public static long? Prepare()
    {
        if (!OperatingSystem.IsLinux() || IntPtr.Size != 8 || !HugePagesOnRequest())
        {
            return null;
        }
        try
        {
            // The collector's first regions: the pinned-object heap's, which starts the reservation, and the small-object
            // heap's. Objects promoted from the latter fill regions between the two.
            var address = Math.Min(AddressOf(GC.AllocateArray<byte>(1, pinned: true)), AddressOf(new byte[1]));
            var settings = GC.GetConfigurationVariables();
            var range = settings.TryGetValue("GCRegionRange", out var rangeSetting) ? Convert.ToInt64(rangeSetting, CultureInfo.InvariantCulture) : 0;
            if (range <= 0)
            {
                return null; // not a heap of regions
            }
            // Regions are aligned on their size, 1 MiB at least, so an object's MiB is in its region; the window starts
            // at the next 2 MiB boundary, where huge pages are aligned.
            var start = ((address & ~(MiB - 1)) + HugePage - 1) & ~(HugePage - 1);
            if (!WithinReservation(File.ReadAllLines("/proc/self/maps"), start, start + Window, range)
                || mprotect((nint)start, (nuint)Window, ProtRead | ProtWrite) != 0)
            {
                return null;
            }
            _ = madvise((nint)start, (nuint)Window, MadvDoDump);
            return madvise((nint)start, (nuint)Window, MadvHugePage) == 0 ? start : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or OverflowException or InvalidCastException or DllNotFoundException or EntryPointNotFoundException)
        {
            return null; // only an optimisation: the command runs the same without it
        }
    }

    private static long AddressOf(byte[] array)
    {
        var handle = GCHandle.Alloc(array, GCHandleType.Pinned);
        try
        {
            return handle.AddrOfPinnedObject();
        }
        finally
        {
            handle.Free();
        }
    }

    /// <summary>Transparent huge pages are given on request ("always" or "madvise"), not switched off ("never").</summary>
    private static bool HugePagesOnRequest()
    {
        try
        {
            var setting = File.ReadAllText("/sys/kernel/mm/transparent_hugepage/enabled");
            return setting.Contains("[always]", StringComparison.Ordinal) || setting.Contains("[madvise]", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>
    /// Whether [<paramref name="start"/>, <paramref name="end"/>) lies in one run of adjacent anonymous mappings, each
    /// inaccessible or readable and writable, and ends within <paramref name="reservation"/> bytes of the run's start:
    /// then it is inside the collector's reservation of that size, which holds <paramref name="start"/> and begins at
    /// or after the run's start (<paramref name="maps"/>: /proc/self/maps lines, in address order).
    /// </summary>
    internal static bool WithinReservation(IEnumerable<string> maps, long start, long end, long reservation)
    {
        long runStart = -1, runEnd = -1;
        foreach (var line in maps)
        {
            var fields = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 5)
            {
                return false;
            }
            var dash = fields[0].IndexOf('-', StringComparison.Ordinal);
            if (dash <= 0
                || !long.TryParse(fields[0].AsSpan(0, dash), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var from)
                || !long.TryParse(fields[0].AsSpan(dash + 1), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var to)
                || to <= from)
            {
                return false; // not the kernel's format: change nothing
            }
            var anonymous = fields[4] == "0" && (fields.Length == 5 || string.IsNullOrWhiteSpace(fields[5]));
            var heapLike = anonymous && fields[1] is "---p" or "rw-p";
            if (heapLike && runStart >= 0 && from == runEnd)
            {
                runEnd = to; // the run goes on
                continue;
            }
            if (runStart >= 0 && runStart <= start && end <= runEnd)
            {
                break; // the run that holds the window has ended
            }
            (runStart, runEnd) = heapLike ? (from, to) : (-1, -1);
        }
        return runStart >= 0 && runStart <= start && end <= runEnd && end - runStart <= reservation;
    }

    [DllImport("libc", EntryPoint = "mprotect", SetLastError = true)]
    private static extern int mprotect(nint address, nuint length, int protection);

    [DllImport("libc", EntryPoint = "madvise", SetLastError = true)]
    private static extern int madvise(nint address, nuint length, int advice);
}
