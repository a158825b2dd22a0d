-- GET /api/v1/projects?county=…: the count and the first page.
SELECT COUNT(*) FROM projects WHERE county_code = :county;
SELECT p.*, o.name, r.name
  FROM projects p
  JOIN organizations o ON o.id = p.organization_id
  JOIN regions r ON r.code = p.county_code
 WHERE p.county_code = :county
 ORDER BY p.created_at DESC, p.id DESC LIMIT 20;
