using System.Text;
using Stepwise.Cli;

// The console's own writer hands the system a few hundred bytes at a time: a 4 MB report took 15,000 writes. The same
// writer with a 64 KiB buffer still flushes after every write (progress shows as it happens), in 64 KiB pieces. The
// console's encoding is kept, without a byte-order mark.
var encoding = Console.OutputEncoding.CodePage == Encoding.UTF8.CodePage ? new UTF8Encoding(false) : Console.OutputEncoding;
Console.SetOut(new StreamWriter(Console.OpenStandardOutput(), encoding, 64 * 1024) { AutoFlush = true });
return StepwiseCli.Run(args, Console.Out, Console.Error);
