using System.CommandLine;
using Stepwise.Cli;

return StepwiseCli.Run(args, Console.Out, Console.Error);
