using System.Text;

namespace Pipelines.Sql.Connectors;

/// <summary>Splits one CSV line (RFC 4180 quoting): an unquoted empty field is NULL, a quoted empty field is empty text.</summary>
internal static class CsvLine
{
    public static List<string?> Split(string line, char delimiter)
    {
        line = line.TrimEnd('\r', '\n');
        var fields = new List<string?>();
        var field = new StringBuilder();
        int i = 0;
        while (true)
        {
            field.Clear();
            bool quoted = i < line.Length && line[i] == '"';
            if (quoted)
            {
                i++;
                while (true)
                {
                    if (i >= line.Length) throw new FormatException("a quoted CSV field is not closed");
                    if (line[i] == '"')
                    {
                        if (i + 1 < line.Length && line[i + 1] == '"')
                        {
                            field.Append('"');
                            i += 2;
                            continue;
                        }
                        i++;
                        break;
                    }
                    field.Append(line[i++]);
                }
                if (i < line.Length && line[i] != delimiter) throw new FormatException($"unexpected '{line[i]}' after a quoted CSV field");
            }
            else
            {
                while (i < line.Length && line[i] != delimiter) field.Append(line[i++]);
            }
            fields.Add(quoted || field.Length > 0 ? field.ToString() : null);
            if (i >= line.Length) return fields;
            i++; // the delimiter
        }
    }
}
