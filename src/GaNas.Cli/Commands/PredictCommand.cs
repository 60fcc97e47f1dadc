using System.CommandLine;
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace GaNas.Cli.Commands;

/// <summary><c>ganas predict</c>: a saved model and images in, one CSV row per image out (path, predicted class, probabilities).</summary>
internal static class PredictCommand
{
    public static Command Create(CommandIO io)
    {
        var model = new Option<string>("--model") { Description = "A model saved by ganas train (an ML.NET pipeline that loads the image at ImagePath and scores it).", Required = true };
        var images = new Option<string>("--images") { Description = "An image file, or a folder searched recursively for images.", Required = true };
        var output = new Option<string>("--out") { Description = "Output CSV: path,predicted,<one probability column per class>.", Required = true };
        var command = new Command("predict", "Classify images with a saved GaNas model.") { model, images, output };
        command.SetAction(parse => io.Guard(() =>
        {
            string outPath = parse.GetValue(output)!;
            OptionRules.EnsureWritable(outPath, "--out");
            var ml = new MLContext(seed: 0);
            ITransformer loaded = ModelFile.Load(ml, parse.GetValue(model)!);
            var files = ImageFile.List(parse.GetValue(images)!);
            // The label column the pipeline was trained with is not used for scoring; rows carry an empty one.
            foreach (var f in files) f.Label = "";
            IDataView scored = loaded.Transform(ml.Data.LoadFromEnumerable(files));
            var predicted = ml.Transforms.Conversion.MapKeyToValue("PredictedClass", "PredictedLabel").Fit(scored).Transform(scored);
            // The Score slots are the classes in the order of PredictedLabel's key values (the label's order at training).
            VBuffer<ReadOnlyMemory<char>> keys = default;
            predicted.Schema["PredictedLabel"].GetKeyValues(ref keys);
            string[] classes = keys.DenseValues().Select(n => n.ToString()).ToArray();
            using var writer = new StreamWriter(outPath);
            writer.WriteLine(string.Join(',', classes.Select(c => "p_" + c).Prepend("predicted").Prepend("path")));
            var paths = predicted.GetColumn<string>(nameof(ImageFile.ImagePath)).ToArray();
            var labels = predicted.GetColumn<string>("PredictedClass").ToArray();
            var scores = predicted.GetColumn<float[]>("Score").ToArray();
            for (int i = 0; i < paths.Length; i++)
                writer.WriteLine(string.Join(',', new[] { paths[i], labels[i] }.Concat(scores[i].Select(v => v.ToString("R", CultureInfo.InvariantCulture)))));
            io.Error.WriteLine($"predict: {paths.Length} image(s) classified into {outPath}");
            return 0;
        }));
        return command;
    }
}
