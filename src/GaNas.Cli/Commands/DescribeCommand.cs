using System.CommandLine;
using System.Text.Json;
using GaNas.Networks;
using GaNas.Runtime;
using GaNas.SearchSpaces;

namespace GaNas.Cli.Commands;

/// <summary><c>ganas describe</c>: canonical string, parameter count and MACs of one architecture, as JSON.</summary>
internal static class DescribeCommand
{
    public static Command Create(CommandIO io)
    {
        var space = CommonOptions.Space();
        var arch = new Option<string>("--arch") { Description = "Architecture string (TSS: |op~0|+|op~0|op~1|+|op~0|op~1|op~2|; SSS: w1:w2:w3:w4:w5).", Required = true };
        var classes = new Option<int>("--classes") { Description = "Number of classes of the classifier.", DefaultValueFactory = _ => 10 }.InRange(2, CommonOptions.MaxClasses);
        var channels = new Option<int?>("--channels") { Description = "Width C of the first stage (TSS; default 16)." }.InRange(1, 256);
        var cells = new Option<int?>("--cells") { Description = "Cells per stage N (default 5 for TSS, 1 for SSS)." }.InRange(0, 16);
        var inputSize = new Option<int>("--input-size") { Description = "Input height and width for MACs.", DefaultValueFactory = _ => 32 }.InRange(4, 1024);
        var inputChannels = new Option<int>("--input-channels") { Description = "Input image channels.", DefaultValueFactory = _ => 3 }.InRange(1, 3);
        var command = new Command("describe", "Print an architecture's canonical string, parameter count and multiply-accumulates as JSON.")
        {
            space, arch, classes, channels, cells, inputSize, inputChannels,
        };
        command.SetAction(parse => io.Guard(() =>
        {
            ISearchSpace s = SearchSpaceCatalog.ByName(parse.GetValue(space)!);
            Genome genome = s.Parse(parse.GetValue(arch)!);
            NetworkOptions defaults = s.BenchmarkOptions(parse.GetValue(classes));
            NetworkOptions options = defaults.With(
                channels: parse.GetValue(channels),
                cellsPerStage: parse.GetValue(cells),
                inputChannels: parse.GetValue(inputChannels));
            TorchRuntime.Initialize(1);
            using CellNetwork network = s.BuildNetwork(genome, options);
            var stats = NetworkStatistics.Measure(network, parse.GetValue(inputSize));
            var result = new
            {
                space = s.Name,
                arch = s.Format(genome),
                code = s.Encode(genome),
                @params = stats.Parameters,
                macs = stats.MultiplyAccumulates,
                classes = options.Classes,
                channels = options.Channels,
                cells = options.CellsPerStage,
                input_size = parse.GetValue(inputSize),
                input_channels = options.InputChannels,
                degenerate = s.Degeneracy(genome),
            };
            io.Out.WriteLine(Json.Serialize(result));
            return 0;
        }));
        return command;
    }
}
