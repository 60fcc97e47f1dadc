using System.CommandLine;
using Microsoft.ML;

namespace GaNas.Cli.Commands;

/// <summary><c>ganas export</c>: the network of a model saved by <c>ganas train</c> (or any ML.NET model with a TrainingFreeNas step) as an ONNX file.</summary>
internal static class ExportCommand
{
    public static Command Create(CommandIO io)
    {
        var model = new Option<string>("--model") { Description = "A model saved by ganas train or mlContext.Model.Save.", Required = true };
        var output = new Option<string>("--out") { Description = "The ONNX file: input 'input' (float N x C x H x W, raw pixels 0-255), output 'probabilities'.", Required = true };
        var command = new Command("export", "Write the trained network of a saved model as a standard ONNX model.") { model, output };
        command.SetAction(parse => io.Guard(() =>
        {
            string outPath = parse.GetValue(output)!;
            OptionRules.EnsureWritable(outPath, "--out");
            var ml = new MLContext(seed: 0);
            ITransformer loaded = ModelFile.Load(ml, parse.GetValue(model)!);
            // The network is read from one row; the image path column is never opened.
            IDataView row = ml.Data.LoadFromEnumerable(new[] { new ImageFile() });
            using (var stream = File.Create(outPath)) ml.Model.ConvertTrainingFreeNasToOnnx(loaded, row, stream);
            io.Error.WriteLine($"export: {outPath} ({new FileInfo(outPath).Length:N0} bytes)");
            return 0;
        }));
        return command;
    }
}
