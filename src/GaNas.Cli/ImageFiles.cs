using GaNas.Data;

namespace GaNas.Cli;

/// <summary>One image file and its class (the name of the subfolder it is in), as rows for ML.NET.</summary>
internal sealed class ImageFile
{
    public string ImagePath { get; set; } = "";

    public string Label { get; set; } = "";

    /// <summary>The images of a folder of class subfolders (or one image file, whose label is empty), sorted by path.</summary>
    public static List<ImageFile> List(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        string full = Path.GetFullPath(path);
        if (File.Exists(full)) return [new ImageFile { ImagePath = full, Label = "" }];
        if (!Directory.Exists(full)) throw new DirectoryNotFoundException($"No image file or folder '{path}'.");
        var files = Directory.GetFiles(full, "*", SearchOption.AllDirectories)
            .Where(f => ImageDecoder.Extensions.Contains(Path.GetExtension(f).ToLowerInvariant()))
            .OrderBy(f => f, StringComparer.Ordinal)
            .Select(f => new ImageFile { ImagePath = f, Label = Path.GetRelativePath(full, Path.GetDirectoryName(f)!) })
            .ToList();
        if (files.Count == 0) throw new InvalidDataException($"'{path}' holds no images ({string.Join(", ", ImageDecoder.Extensions)}).");
        return files;
    }
}
