using GaNas.Cli;

return GanasCli.Run(args, Console.Out, Console.Error);
