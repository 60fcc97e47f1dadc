// A consumer of the GaNas.MLNet package: fit a tiny model on a folder of PNGs (class subfolders),
// save it, load it in a fresh MLContext and check that it predicts the same.
using GaNas.MLNet;
using Microsoft.ML;
using Microsoft.ML.Data;

if (args.Length != 2)
{
    Console.Error.WriteLine("usage: Consumer <image folder with one subfolder per class> <model.zip>");
    return 2;
}
string folder = Path.GetFullPath(args[0]);
var rows = Directory.GetDirectories(folder).OrderBy(d => d, StringComparer.Ordinal)
    .SelectMany(d => Directory.GetFiles(d, "*.png").OrderBy(f => f, StringComparer.Ordinal)
        .Select(f => new ImageRow { ImagePath = Path.GetRelativePath(folder, f), Label = Path.GetFileName(d) }))
    .ToList();
if (rows.Count == 0)
{
    Console.Error.WriteLine($"no PNG images under {folder}");
    return 1;
}

var ml = new MLContext(seed: 0);
ml.Log += (_, e) =>
{
    if (e.Source.StartsWith("TrainingFreeNas", StringComparison.Ordinal) && e.Kind is Microsoft.ML.Runtime.ChannelMessageKind.Info or Microsoft.ML.Runtime.ChannelMessageKind.Warning)
        Console.WriteLine($"log: {e.RawMessage}");
};
IDataView all = ml.Data.LoadFromEnumerable(rows);
var split = ml.Data.TrainTestSplit(all, testFraction: 0.25, seed: 0);
var pipeline = ml.Transforms.Conversion.MapValueToKey("Label")
    .Append(ml.Transforms.LoadRawImageBytes("Features", folder, nameof(ImageRow.ImagePath)))
    .Append(ml.MulticlassClassification.Trainers.TrainingFreeNas(new TrainingFreeNasOptions
    {
        ImageChannels = 3, ImageHeight = 32, ImageWidth = 32,
        Channels = 4, CellsPerStage = 1, Evaluations = 8, Epoch = 3, NumberOfThreads = 2,
    }));
var model = pipeline.Fit(split.TrainSet);
var metrics = ml.MulticlassClassification.Evaluate(model.Transform(split.TestSet));
Console.WriteLine($"architecture: {model.LastTransformer.Architecture}");
int testImages = split.TestSet.GetColumn<string>("Label").Count();
Console.WriteLine($"test accuracy: {metrics.MicroAccuracy:F4} on {testImages} images ({rows.Count - testImages} for training)");

string path = Path.GetFullPath(args[1]);
ml.Model.Save(model, split.TrainSet.Schema, path);
var fresh = new MLContext();
ITransformer loaded = fresh.Model.LoadTrainingFreeNas(path, out _);
float[][] before = model.Transform(split.TestSet).GetColumn<float[]>("Score").ToArray();
float[][] after = loaded.Transform(split.TestSet).GetColumn<float[]>("Score").ToArray();
bool identical = before.Length == after.Length && before.Zip(after).All(p => p.First.SequenceEqual(p.Second));
Console.WriteLine(identical ? "reloaded predictions identical" : "reloaded predictions DIFFER");
return identical ? 0 : 1;

sealed class ImageRow
{
    public string ImagePath { get; set; } = "";
    public string Label { get; set; } = "";
}
